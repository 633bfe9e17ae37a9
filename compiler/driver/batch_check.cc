// Sample-independence check for --batch.
#include "compiler/driver/batch_check.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status CheckSamplesIndependent(const Graph& single, const Graph& pair, const std::string& symbol) {
  auto leading_dims_are = [](const Graph& graph, const std::vector<ValueId>& ids, int64_t size) {
    for (ValueId id : ids) {
      const Shape& shape = graph.value(id).type.shape;
      if (shape.empty() || shape[0] != size) return false;
    }
    return true;
  };
  if (!leading_dims_are(single, single.inputs(), 1) || !leading_dims_are(pair, pair.inputs(), 2) ||
      !leading_dims_are(single, single.outputs(), 1) || !leading_dims_are(pair, pair.outputs(), 2)) {
    return absl::InvalidArgumentError(absl::StrCat("--batch ", symbol, ": every input and output must have '", symbol,
                                                   "' as its first dimension"));
  }
  std::mt19937 random(1234);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<FloatTensor> pair_inputs, first, second;
  for (ValueId id : pair.inputs()) {
    FloatTensor values(pair.value(id).type.ElementCount());
    for (float& v : values) v = uniform(random);
    first.emplace_back(values.begin(), values.begin() + values.size() / 2);
    second.emplace_back(values.begin() + values.size() / 2, values.end());
    pair_inputs.push_back(std::move(values));
  }
  ASSIGN_OR_RETURN(std::vector<FloatTensor> together, EvaluateGraph(pair, pair_inputs));
  ASSIGN_OR_RETURN(std::vector<FloatTensor> alone_first, EvaluateGraph(single, first));
  ASSIGN_OR_RETURN(std::vector<FloatTensor> alone_second, EvaluateGraph(single, second));
  for (size_t o = 0; o < together.size(); ++o) {
    FloatTensor alone = alone_first[o];
    alone.insert(alone.end(), alone_second[o].begin(), alone_second[o].end());
    for (size_t i = 0; i < alone.size(); ++i) {
      const double a = alone[i], t = together[o][i];
      if (!(std::fabs(a - t) <= 1e-5 + 1e-4 * std::fabs(t)) && !(std::isnan(a) && std::isnan(t))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--batch ", symbol, ": the samples of a batch are not independent (output '",
            single.value(single.outputs()[o]).name, "' of a sample depends on the other samples), so "
            "running them one by one would change the results"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace modelc
