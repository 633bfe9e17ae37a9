#!/usr/bin/env python3
"""Turns the instruction-count benchmark's QEMU logs into a table and a JSON file.

Reads images.tsv (written by tools/mcu_benchmark/CMakeLists.txt: per image its name,
QEMU board, ELF, and for models the object, header and JSON report from modelc), and per
image NAME.log (its semihosting output) and NAME.status (QEMU's exit status) from the
logs folder. Per model: instructions per inference and per MAC (MACs from modelc's
report), flash split into code (.text) and read-only data (.rodata, .ARM.exidx) from the
model's object, scratch bytes from the header's SCRATCH_SIZE macro, the measured stack
and the report's static bound. A model whose output differs from ONNX Runtime's, or
whose run failed, gets no figures, only the reason. Exit status 0 only when the
calibration and every model passed.
  summarize.py --target NAME --manifest images.tsv --logs DIR --json OUT.json
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys


def parse_fields(line):
    """key=value pairs of a `result:` or `calibration:` line."""
    return dict(re.findall(r'(\w+)=(\S+)', line))


def read_log(logs, name):
    with open(f'{logs}/{name}.log', errors='replace') as log:
        lines = log.read().splitlines()
    with open(f'{logs}/{name}.status') as status:
        return lines, int(status.read().strip())


def section_sizes(object_file):
    """Bytes of code and of read-only data in an object, from its section table."""
    output = subprocess.run(['arm-none-eabi-size', '-A', object_file], check=True, capture_output=True,
                            text=True).stdout
    code = rodata = 0
    for line in output.splitlines():
        fields = line.split()
        if len(fields) < 2 or not fields[1].isdigit():
            continue
        section, size = fields[0], int(fields[1])
        if section == '.text' or section.startswith('.text.'):
            code += size
        elif section.startswith('.rodata') or section.startswith('.ARM.exidx'):
            rodata += size
    return code, rodata


def scratch_size(header, name):
    with open(header) as text:
        match = re.search(rf'#define {name.upper()}_SCRATCH_SIZE (\d+)u', text.read())
    if not match:
        sys.exit(f'mcu-benchmark: error: {header} has no {name.upper()}_SCRATCH_SIZE')
    return int(match.group(1))


def calibration_summary(logs):
    lines, status = read_log(logs, 'calibration')
    checks = {}
    for line in lines:
        if line.startswith('calibration: '):
            words = line.split()
            if len(words) > 2 and '=' in line and words[1] in ('loop', 'loop_with_wraps', 'monotonic'):
                fields = parse_fields(line)
                checks[words[1]] = {key: int(value) for key, value in fields.items()}
                checks[words[1]]['ok'] = words[-1] == 'ok'
            elif 'clock_hz=' in line:
                checks.update({key: int(value) for key, value in parse_fields(line).items()})
    passed = status == 0 and 'calibration: passed' in lines
    return passed, checks, lines


def model_row(name, logs, object_file, header, report_file):
    row = {'model': name}
    lines, status = read_log(logs, name)
    results = [line for line in lines if line.startswith('result: ')]
    fields = parse_fields(results[-1]) if results else {}
    if status != 0 or not results or not results[-1].endswith(' ok'):
        if results and 'max_abs_error_bits' in fields:
            error = struct.unpack('<f', struct.pack('<I', int(fields['max_abs_error_bits'], 16)))[0]
            reason = f'output differs from ONNX Runtime (max abs error {error:.3g}, status {fields["status"]})'
        elif results:
            reason = results[-1][len('result: '):]
        else:
            reason = (lines[-1] if lines else 'no output') + f' (exit status {status})'
        row.update(ok=False, failure=reason)
        return row
    with open(report_file) as report:
        totals = json.load(report)['totals']
    instructions = int(fields['instructions'])
    code, rodata = section_sizes(object_file)
    scratch = scratch_size(header, name)
    if scratch != int(fields['scratch_bytes']):
        sys.exit(f'mcu-benchmark: error: {name}: the header says {scratch} scratch bytes, the image used '
                 f'{fields["scratch_bytes"]}')
    row.update(
        ok=True, instructions=instructions, ticks=int(fields['ticks']), wraps=int(fields['wraps']),
        macs=totals['macs'], instructions_per_mac=instructions / totals['macs'] if totals['macs'] else None,
        code_bytes=code, rodata_bytes=rodata, scratch_bytes=scratch,
        stack_bytes_measured=int(fields['stack_bytes']), stack_bytes_bound=totals['stack_bound_bytes'],
        max_abs_error=struct.unpack('<f', struct.pack('<I', int(fields['max_abs_error_bits'], 16)))[0],
        int8=None)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--target', required=True)
    parser.add_argument('--manifest', required=True)
    parser.add_argument('--logs', required=True)
    parser.add_argument('--json', required=True)
    args = parser.parse_args()

    with open(args.manifest) as manifest:
        images = [line.rstrip('\n').split('\t') for line in manifest if line.strip()]
    board = images[0][1]
    passed, calibration, calibration_lines = calibration_summary(args.logs)
    if not passed:
        print('\n'.join(calibration_lines), file=sys.stderr)
        sys.exit('mcu-benchmark: error: the instruction counter failed its calibration; no figures reported')
    rows = [model_row(name, args.logs, object_file, header, report) for name, _, _, object_file, header, report in
            images[1:]]
    target = None
    for _, _, _, _, _, report_file in images[1:]:
        if os.path.exists(report_file):
            with open(report_file) as report:
                target = json.load(report)['target']
            break
    qemu = subprocess.run(['qemu-system-arm', '--version'], check=True, capture_output=True,
                          text=True).stdout.splitlines()[0]

    result = {
        'target': args.target, 'llvm_target': target, 'qemu_board': board, 'qemu': qemu,
        'method': 'qemu-system-arm -icount shift=0 (one instruction = 1 virtual ns); SysTick on the processor '
                  'clock, extended by its wrap interrupt, read before and after one inference',
        'systick_clock_hz': calibration['clock_hz'], 'instructions_per_tick': 1e9 / calibration['clock_hz'],
        'calibration': {key: calibration[key] for key in ('loop', 'loop_with_wraps', 'monotonic')},
        'int8': 'NAME_int8 rows: the network quantised by ONNX Runtime (tests/data/int8), checked against '
                'the reference evaluator on the integer ops it compiles to', 'models': rows}
    with open(args.json, 'w') as out:
        json.dump(result, out, indent=1)
        out.write('\n')

    loop, wrapped = calibration['loop'], calibration['loop_with_wraps']
    print(f'{args.target} on QEMU {board} ({qemu.split()[3]}), -icount shift=0: SysTick at '
          f'{calibration["clock_hz"] / 1e6:g} MHz, one tick = {1e9 / calibration["clock_hz"]:g} instructions')
    print(f'calibration: loop of {loop["expected"]} instructions measured {loop["measured"]} '
          f'({loop["measured"] - loop["expected"]:+d}, tolerance {loop["tolerance"]}); with {wrapped["wraps"]} '
          f'SysTick wraps {wrapped["measured"]} ({wrapped["measured"] - wrapped["expected"]:+d}, tolerance '
          f'{wrapped["tolerance"]}); {calibration["monotonic"]["reads"]} readings across '
          f'{calibration["monotonic"]["wraps"]} wraps monotonic: ok')
    print()
    print('| model | instructions | instr/MAC | code bytes | rodata bytes | scratch bytes '
          '| stack bytes (measured / bound) | max abs error vs ORT | int8 |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---|')
    by_name = {row['model']: row for row in rows}

    def int8_column(row):
        """A float network's int8 form: its instructions, and the float's over them."""
        int8 = by_name.get(row['model'] + '_int8')
        if row['model'].endswith('_int8'):
            return 'is int8 (error vs the reference evaluator)'
        if not int8 or not int8['ok']:
            return 'not measured'
        return f'{int8["instructions"]:,} (float / int8: {row["instructions"] / int8["instructions"]:.2f})'

    for row in rows:
        if not row['ok']:
            print(f'| {row["model"]} | FAILED: {row["failure"]} | | | | | | | |')
            continue
        per_mac = f'{row["instructions_per_mac"]:.2f}' if row['instructions_per_mac'] is not None else '-'
        print(f'| {row["model"]} | {row["instructions"]:,} | {per_mac} | {row["code_bytes"]:,} | '
              f'{row["rodata_bytes"]:,} | {row["scratch_bytes"]:,} | {row["stack_bytes_measured"]} / '
              f'{row["stack_bytes_bound"]} | {row["max_abs_error"]:.1e} | {int8_column(row)} |')
    print()
    print(f'written: {args.json}')
    failed = [row['model'] for row in rows if not row['ok']]
    if failed:
        sys.exit(f'mcu-benchmark: error: {len(failed)} model(s) failed: {", ".join(failed)}')


if __name__ == '__main__':
    main()
