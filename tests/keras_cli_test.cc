// The modelc command on Keras models: files told by content, Keras layer names in the
// users' flags, and issue #18's bad inputs, each a one-line refusal naming the file
// (and the layer), with no output left behind. Bad archives are written here with
// libzip from the committed models' members.
#include <zip.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

const std::string kKerasDir = MODELC_KERAS_DIR;

CommandResult Modelc(const std::string& arguments) { return RunCommand(std::string(MODELC_BINARY) + " " + arguments); }

void ExpectCleanFailure(const std::string& arguments, const std::vector<std::string>& mentions) {
  TemporaryFolder out;
  CommandResult result = Modelc(arguments + " -o " + out.path());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(Lines(result.output).size(), 1u) << result.output;
  for (const std::string& text : mentions) EXPECT_NE(result.output.find(text), std::string::npos) << result.output;
  EXPECT_TRUE(out.Files().empty()) << "partial output left in " << out.path();
}

// An archive's members by name, in the archive's order.
std::vector<std::pair<std::string, std::string>> ReadArchive(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> members;
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (!archive) return members;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, i, 0, &stat);
    std::string data(stat.size, '\0');
    zip_file_t* file = zip_fopen_index(archive, i, 0);
    zip_fread(file, data.data(), stat.size);
    zip_fclose(file);
    members.emplace_back(stat.name, std::move(data));
  }
  zip_discard(archive);
  return members;
}

std::string WriteArchive(const TemporaryFolder& folder, const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& members) {
  const std::string path = folder.File(name);
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  for (const auto& [member, data] : members) {
    zip_source_t* source = zip_source_buffer(archive, data.data(), data.size(), 0);
    zip_file_add(archive, member.c_str(), source, ZIP_FL_OVERWRITE);
  }
  zip_close(archive);
  return path;
}

// two_inputs.keras with its config.json changed by `edit`.
std::string EditedArchive(const TemporaryFolder& folder, const std::string& name,
                          const std::function<void(nlohmann::json&)>& edit) {
  auto members = ReadArchive(kKerasDir + "/two_inputs.keras");
  for (auto& [member, data] : members) {
    if (member != "config.json") continue;
    nlohmann::json config = nlohmann::json::parse(data);
    edit(config);
    data = config.dump();
  }
  return WriteArchive(folder, name, members);
}

nlohmann::json& LayerNamed(nlohmann::json& config, const std::string& name) {
  for (nlohmann::json& layer : config["config"]["layers"]) {
    if (layer["name"] == name) return layer;
  }
  ADD_FAILURE() << "no layer " << name;
  return config;
}

// A .keras or .h5 is told by its contents, whatever its name.
TEST(CliKeras, ModelsAreRecognisedByContent) {
  TemporaryFolder inputs, out;
  const std::string archive = WriteFile(inputs, "digits.model", ReadFileBytes(kKerasDir + "/digits_cnn.keras"));
  CommandResult result = Modelc("compile " + archive + " --name digits -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(out.File("digits.h")).find("const float *image, float *dense"), std::string::npos);
  const std::string legacy = WriteFile(inputs, "mlp.model", ReadFileBytes(kKerasDir + "/mlp_legacy.h5"));
  result = Modelc("compile " + legacy + " --name mlp -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

// The users' flags name Keras layers: --outputs (a layer's output), --inputs (a cut
// at a layer), --trace, and external weights, on the DS-CNN and the nested model.
TEST(CliKeras, LayerNamesWorkWithTheUsersFlags) {
  const std::string model = kKerasDir + "/ds_cnn_kws.keras";
  TemporaryFolder out;
  CommandResult result =
      Modelc("compile " + model + " --name kws --outputs dw0_relu --trace --weights external -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(out.File("kws.h")).find("float *dw0_relu"), std::string::npos);
  EXPECT_TRUE(FileExists(out.File("kws.weights.bin")));
  TemporaryFolder cut;
  result = Modelc("compile " + model + " --name head --inputs pw1_relu -o " + cut.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(cut.File("head.h")).find("int head_run(const float *pw1_relu"), std::string::npos);
  // A layer inside the nested base model, by its Keras name.
  TemporaryFolder nested;
  result = Modelc("compile " + kKerasDir + "/transfer_nested.keras --name tl --outputs block1_conv1,block1_pool -o " +
                  nested.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(nested.File("tl.h"));
  EXPECT_NE(header.find("float *block1_conv1"), std::string::npos) << header;
  EXPECT_NE(header.find("float *block1_pool"), std::string::npos) << header;
}

// Issue #18's bad inputs: each a one-line refusal naming the file, no output.
TEST(CliKeras, BadInputsFailCleanly) {
  TemporaryFolder inputs;
  const std::string whole = ReadFileBytes(kKerasDir + "/two_inputs.keras");
  const std::string truncated = WriteFile(inputs, "truncated.keras", whole.substr(0, whole.size() / 2));
  ExpectCleanFailure("compile " + truncated, {truncated, "not a valid zip archive"});
  auto members = ReadArchive(kKerasDir + "/two_inputs.keras");
  ASSERT_EQ(members.size(), 3u);
  auto without_weights = members;
  std::erase_if(without_weights, [](const auto& member) { return member.first == "model.weights.h5"; });
  const std::string missing = WriteArchive(inputs, "missing.keras", without_weights);
  ExpectCleanFailure("compile " + missing, {missing, "the archive has no model.weights.h5"});
  auto escaping = members;
  escaping.emplace_back("../../etc/evil", "x");
  const std::string dotdot = WriteArchive(inputs, "dotdot.keras", escaping);
  ExpectCleanFailure("compile " + dotdot, {dotdot, "a zip member's path leaves the archive"});
  auto not_json = members;
  for (auto& [member, data] : not_json) {
    if (member == "config.json") data = "{\"class_name\": \"Functional\", \"config\": [";
  }
  const std::string garbage = WriteArchive(inputs, "garbage.keras", not_json);
  ExpectCleanFailure("compile " + garbage, {garbage, "the model config is not valid JSON"});
  auto corrupt_weights = members;
  for (auto& [member, data] : corrupt_weights) {
    if (member == "model.weights.h5") data = data.substr(0, data.size() / 3);
  }
  const std::string corrupt = WriteArchive(inputs, "corrupt.keras", corrupt_weights);
  ExpectCleanFailure("compile " + corrupt, {corrupt});

  const std::string unsupported = EditedArchive(inputs, "unsupported.keras", [](nlohmann::json& config) {
    LayerNamed(config, "add")["class_name"] = "Lambda";
    LayerNamed(config, "reshape")["class_name"] = "MyCustomLayer";
  });
  ExpectCleanFailure("compile " + unsupported,
                     {unsupported, "unsupported layers (2): layer 'add' (Lambda), layer 'reshape' (MyCustomLayer)",
                      "export the model to ONNX or TFLite"});
  const std::string unknown = EditedArchive(inputs, "unknown.keras", [](nlohmann::json& config) {
    LayerNamed(config, "multiply")["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"][0] = "nowhere";
  });
  ExpectCleanFailure("compile " + unknown,
                     {unknown, "layer 'multiply' (Multiply) reads 'nowhere' (call 0, output 0), which no earlier layer "
                               "produces"});
  const std::string wrong_shape = EditedArchive(inputs, "wrong_shape.keras", [](nlohmann::json& config) {
    LayerNamed(config, "scores")["config"]["units"] = 5;
  });
  ExpectCleanFailure("compile " + wrong_shape,
                     {wrong_shape, "layer 'scores' (Dense): its kernel has shape [18,4], not [18,5]"});
  const std::string absurd = EditedArchive(inputs, "absurd.keras", [](nlohmann::json& config) {
    LayerNamed(config, "image")["config"]["batch_shape"] = {nullptr, 1 << 30, 1 << 30, 3};
  });
  ExpectCleanFailure("compile " + absurd, {absurd, "layer 'image' (InputLayer)"});

  // Legacy HDF5: a weight of the wrong shape (the config's units changed in place),
  // a truncated file, an HDF5 file that is no Keras model.
  const std::string legacy = ReadFileBytes(kKerasDir + "/mlp_legacy.h5");
  std::string bad_units = legacy;
  const size_t at = bad_units.find("\"units\": 16");
  ASSERT_NE(at, std::string::npos);
  bad_units.replace(at, 11, "\"units\": 17");
  const std::string legacy_shape = WriteFile(inputs, "wrong_shape.h5", bad_units);
  ExpectCleanFailure("compile " + legacy_shape, {legacy_shape, "(Dense): its kernel has shape [20,16], not [20,17]"});
  const std::string legacy_truncated = WriteFile(inputs, "truncated.h5", legacy.substr(0, legacy.size() / 2));
  ExpectCleanFailure("compile " + legacy_truncated, {legacy_truncated});
  const std::string weights_only = WriteFile(inputs, "weights_only.h5", members[2].first == "model.weights.h5"
                                                                             ? members[2].second
                                                                             : members[1].second);
  ExpectCleanFailure("compile " + weights_only, {weights_only, "not a whole Keras model"});
  ExpectCleanFailure("compile " + kKerasDir + "/two_inputs.keras --dim N=1",
                     {"--dim N: a Keras model's only symbolic dimension is its batch, named 'batch'"});
}

// Layer names are an attacker's text: they reach messages escaped (one line), and the
// header made from them compiles with -Werror and declares nothing they spell.
TEST(CliKeras, HostileLayerNamesStayInert) {
  TemporaryFolder inputs, out;
  const std::string input_name = "x*/ #include \"/etc/passwd\" /*";
  const std::string path = WriteArchive(inputs, "hostile.keras", [&] {
    auto members = ReadArchive(kKerasDir + "/two_inputs.keras");
    for (auto& [member, data] : members) {
      if (member != "config.json") continue;
      // Every reference to the two layers is a JSON string "image" / "scores".
      std::string text = data;
      auto replace_all = [&](const std::string& from, const std::string& to) {
        for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
          text.replace(at, from.size(), to);
        }
      };
      replace_all("\"image\"", nlohmann::json(input_name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      replace_all("\"scores\"", nlohmann::json(std::string("Y\x01\n#error newline")).dump());
      data = text;
    }
    return members;
  }());
  CommandResult result = Modelc("compile " + path + " --name hostile -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("hostile.h"));
  const std::string main_c = WriteFile(out, "main.c", "#include \"hostile.h\"\nint main(void) { return 0; }\n");
  const CommandResult compiled =
      RunCommand("cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I" + out.path() + " " + main_c + " 2>&1");
  EXPECT_EQ(compiled.exit_code, 0) << compiled.output << "\n" << header;
  for (const std::string& line : Lines(header)) {
    EXPECT_TRUE(line.rfind("#error", 0) == std::string::npos &&
                (line.rfind("#include", 0) == std::string::npos || line == "#include <stdint.h>"))
        << line;
  }
  // In an error message, the hostile name is escaped onto one line.
  const std::string unsupported = WriteArchive(inputs, "hostile_unsupported.keras", [&] {
    auto members = ReadArchive(path);
    for (auto& [member, data] : members) {
      if (member == "config.json") {
        nlohmann::json config = nlohmann::json::parse(data);
        for (nlohmann::json& layer : config["config"]["layers"]) {
          if (layer["class_name"] == "Dense" && layer["name"] != "value") layer["class_name"] = "Evil\nClass";
        }
        data = config.dump();
      }
    }
    return members;
  }());
  ExpectCleanFailure("compile " + unsupported, {unsupported, "(Evil\\nClass)", "Y\\001\\n#error newline"});
}

}  // namespace
}  // namespace modelc::testing
