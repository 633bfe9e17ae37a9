#!/usr/bin/env python3
"""Instructions a bare-metal image ran, per function and per hottest block, from
block_counts.so's file: for a benchmark image of scripts/mcu-benchmark.sh, one function
per node of the model (NAME.nodeN.OP), so where an inference's time goes.

  tools/mcu_benchmark/profile/profile.py IMAGE.elf blocks.txt [--blocks N]

Needs arm-none-eabi-nm (the symbols' addresses and sizes)."""
import argparse
import bisect
import collections
import subprocess


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("blocks")
    parser.add_argument("--blocks", dest="top", type=int, default=20, help="hottest blocks to list")
    args = parser.parse_args()
    symbols = []
    listing = subprocess.run(["arm-none-eabi-nm", "-n", "-S", args.image], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[2] in "tTW":
            symbols.append((int(fields[0], 16), int(fields[1], 16), fields[3]))
    starts = [start for start, _, _ in symbols]

    def function_of(address):
        i = bisect.bisect_right(starts, address & ~1) - 1
        if i < 0 or address >= symbols[i][0] + symbols[i][1]:
            return "?"
        return symbols[i][2]

    per_function = collections.Counter()
    blocks = []
    with open(args.blocks) as file:
        for line in file:
            address, instructions, executions = line.split()
            address, count = int(address, 16), int(instructions) * int(executions)
            per_function[function_of(address)] += count
            blocks.append((count, address, int(instructions), int(executions)))
    total = sum(per_function.values())
    print(f"{total:,} instructions")
    for name, count in per_function.most_common():
        print(f"{count:14,} {100 * count / total:5.1f}%  {name}")
    print()
    for count, address, instructions, executions in sorted(blocks, reverse=True)[:args.top]:
        print(f"{count:14,} {100 * count / total:5.1f}%  block {address:#x}: {instructions} instructions x {executions}"
              f"  {function_of(address)}")


if __name__ == "__main__":
    main()
