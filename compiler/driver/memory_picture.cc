// The memory plan as SVG: plain text, deterministic, no library.
#include "compiler/driver/memory_picture.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace modelc {
namespace {

constexpr double kLeft = 70, kTop = 40, kWidth = 720, kHeight = 360;

// Text safe inside SVG content and attributes: XML's five specials escaped, control
// and non-ASCII bytes replaced.
std::string Escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string DrawMemoryPlan(const CodegenRequest& request) {
  const Graph& graph = *request.graph;
  const LoweringPlan& plan = *request.plan;
  const BufferAssignment& buffers = *request.buffers;
  const int steps = std::max<int>(1, static_cast<int>(graph.nodes().size()));
  const double arena = static_cast<double>(std::max<int64_t>(1, buffers.scratch_size));
  auto x = [&](double step) { return kLeft + step * kWidth / steps; };
  auto y = [&](double offset) { return kTop + offset * kHeight / arena; };
  auto rect = [&](double x0, double y0, double x1, double y1, const char* fill, const std::string& title) {
    return absl::StrFormat(
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\">"
        "<title>%s</title></rect>\n",
        x0, y0, std::max(0.5, x1 - x0), std::max(0.5, y1 - y0), fill, title);
  };
  const std::vector<LiveBytes> live = LiveBytesAtEachStep(graph, plan, buffers);
  const int peak = PeakStep(live);
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n",
      kLeft + kWidth + 20, kTop + kHeight + 64);
  absl::StrAppend(&svg, absl::StrFormat(
      "<text x=\"%.0f\" y=\"20\">memory plan of '%s': scratch %d bytes, activation bound %d bytes, live peak %d "
      "bytes</text>\n", kLeft, Escape(request.model_name), buffers.scratch_size, buffers.activation_bound,
      buffers.live_peak));
  absl::StrAppend(&svg, rect(kLeft, kTop, kLeft + kWidth, kTop + kHeight, "#f4f4f4", "scratch arena"));
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (buffers.root[id] != id || buffers.storage[id].kind != StorageKind::kScratch) continue;
    const BufferRequest& lifetime = buffers.lifetimes[id];
    const Storage& storage = buffers.storage[id];
    const int64_t offset = PoolStart(buffers, storage.pool) + storage.offset;
    const std::string title =
        absl::StrFormat("'%s' %d bytes %s, steps %d..%d", Escape(graph.value(id).name), lifetime.size,
                        Escape(ArenaPlaceText(buffers, storage.pool, storage.offset)), lifetime.first_step,
                        lifetime.last_step);
    const char* colour = plan.values[id].channels_last ? "#59a14f" : "#4e79a7";
    if (lifetime.step_sizes.empty()) {
      absl::StrAppend(&svg, rect(x(lifetime.first_step), y(offset), x(lifetime.last_step + 1),
                                 y(offset + lifetime.size), colour, title));
    } else {  // a buffer that outputs written over their inputs grow and shrink: its bytes at each step
      std::string outline = absl::StrFormat("M%.1f %.1fH%.1f", x(lifetime.first_step), y(offset),
                                            x(lifetime.last_step + 1));
      for (int step = lifetime.last_step; step >= lifetime.first_step; --step) {
        absl::StrAppend(&outline, absl::StrFormat("V%.1fH%.1f", y(offset + lifetime.SizeAt(step)), x(step)));
      }
      absl::StrAppend(&svg, absl::StrFormat("<path d=\"%sZ\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\">"
                                            "<title>%s</title></path>\n",
                                            outline, colour, title));
    }
  }
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (const WorkspaceBuffer& buffer : plan.nodes[n].workspace) {
      const int pool = buffers.workspace_pool[n];
      const int64_t offset = buffers.workspace_offset[n] + buffer.offset;
      const int64_t drawn_at = PoolStart(buffers, pool) + offset;
      absl::StrAppend(&svg, rect(x(n), y(drawn_at), x(n + 1), y(drawn_at + buffer.bytes), "#e15759",
                                 absl::StrFormat("workspace %s of '%s' %d bytes %s, step %d", Escape(buffer.name),
                                                 Escape(graph.nodes()[n].name), buffer.bytes,
                                                 Escape(ArenaPlaceText(buffers, pool, offset)), n)));
    }
  }
  // With --pool, the pools one below the other, fastest first: a line where each starts.
  for (size_t p = 0; p < buffers.pools.size(); ++p) {
    const double top = y(static_cast<double>(PoolStart(buffers, static_cast<int>(p))));
    absl::StrAppend(&svg, absl::StrFormat(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-width=\"1\"/>\n"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">pool %s (%d bytes)</text>\n",
        kLeft, top, kLeft + kWidth, top, kLeft + 4, top + 11, Escape(buffers.pools[p].name), buffers.pools[p].size));
  }
  if (!live.empty()) {  // over the rectangles: an outline around the step with the most bytes live
    absl::StrAppend(&svg, absl::StrFormat(
        "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"none\" stroke=\"#f28e2b\" "
        "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n"
        "<text x=\"%.0f\" y=\"%.0f\" fill=\"#b8600b\">peak: %d bytes live at step %d ('%s')</text>\n",
        x(peak), kTop, x(peak + 1) - x(peak), kHeight, kLeft, kTop + kHeight + 34, live[peak].Total(), peak,
        Escape(graph.nodes()[peak].name)));
  }
  absl::StrAppend(&svg, absl::StrFormat(
      "<text x=\"%.0f\" y=\"%.0f\">execution step (0 to %d)</text>\n"
      "<text x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\">arena offset (0 to %d bytes)</text>\n"
      "<text x=\"%.0f\" y=\"%.0f\"><tspan fill=\"#4e79a7\">planar tensor</tspan>  "
      "<tspan fill=\"#59a14f\">channels-last tensor</tspan>  <tspan fill=\"#e15759\">kernel workspace</tspan></text>\n"
      "</svg>\n",
      kLeft, kTop + kHeight + 16, steps - 1, kTop + kHeight, kTop + kHeight, buffers.scratch_size, kLeft,
      kTop + kHeight + 52));
  return svg;
}

}  // namespace modelc
