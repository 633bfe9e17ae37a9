// The operator table and the code that dispatches on it: every op converts to its
// family's enum; no switch over an op (OpKind, a family enum, the op family or the
// kernel variant) has a `default:`, so the C++ compiler reports a forgotten case; and
// every op of its own has its four hooks; docs/adding-an-operator.md names existing
// files, the table's current columns and exactly the files that switch over each family.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "compiler/ir/op_kind.h"
#include "compiler/ops/own_op_hooks.h"
#include "gtest/gtest.h"

namespace modelc {
namespace {

const std::filesystem::path kSource = MODELC_SOURCE_DIR;

std::string Read(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The compiler's C++ sources, relative to the source tree, in a stable order.
std::map<std::string, std::string> CompilerSources() {
  std::map<std::string, std::string> sources;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSource / "compiler")) {
    const std::string extension = entry.path().extension().string();
    if (extension != ".cc" && extension != ".h") continue;
    sources[std::filesystem::relative(entry.path(), kSource).string()] = Read(entry.path());
  }
  return sources;
}

// The body of the switch whose opening brace is at `open` (without the braces).
std::string SwitchBody(const std::string& text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return text.substr(open + 1, i - open - 1);
  }
  return text.substr(open + 1);
}

// Whether `body` has a `default:` label of its own (not one of a nested switch).
bool HasOwnDefault(const std::string& body) {
  int depth = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '{') ++depth;
    if (body[i] == '}') --depth;
    if (depth == 0 && body.compare(i, 8, "default:") == 0) return true;
  }
  return false;
}

TEST(OpRegistry, NoSwitchOverAnOpHasADefault) {
  // A switch whose condition names an op: node.op, f.op, AsUnaryOp(...), a family,
  // a kernel variant.
  const std::regex switch_statement(R"(switch \((.*)\) \{)");
  const std::regex over_an_op(R"((\bop\b|\.op\b|As\w+Op\(|\.family\b|\.kernel\b|OpKind))");
  int switches = 0;
  for (const auto& [path, text] : CompilerSources()) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), switch_statement); it != std::sregex_iterator(); ++it) {
      if (!std::regex_search((*it)[1].str(), over_an_op)) continue;
      ++switches;
      const size_t open = it->position(0) + it->length(0) - 1;
      const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + open, '\n'));
      EXPECT_FALSE(HasOwnDefault(SwitchBody(text, open)))
          << path << ":" << line << ": switch (" << (*it)[1] << ") has a default: name every case instead";
    }
  }
  EXPECT_GE(switches, 30);  // the scan found the switches it is meant to check
}

TEST(OpRegistry, EveryOpConvertsToItsFamilyEnum) {
  std::map<OpFamily, std::set<int>> positions;
  for (int i = 0; i < OpCount(); ++i) {
    const OpKind kind = static_cast<OpKind>(i);
    const OpInfo& info = GetOpInfo(kind);
    EXPECT_EQ(OpKindFromOnnxName(info.onnx_name), kind) << info.onnx_name;
    int position = -1;
    switch (info.family) {
      case OpFamily::kUnary:
        position = static_cast<int>(AsUnaryOp(kind));
        EXPECT_EQ(static_cast<int>(AsElementwiseOp(kind)), position) << info.onnx_name;
        break;
      case OpFamily::kBinary:
        position = static_cast<int>(AsBinaryOp(kind));
        break;
      case OpFamily::kView:
        position = static_cast<int>(AsViewOp(kind));
        break;
      case OpFamily::kReduce:
        position = static_cast<int>(AsReduceOp(kind));
        break;
      case OpFamily::kIndexMap:
        position = static_cast<int>(AsIndexMapOp(kind));
        break;
      case OpFamily::kOwn:
        position = static_cast<int>(AsOwnOp(kind));
        break;
    }
    EXPECT_TRUE(positions[info.family].insert(position).second) << info.onnx_name << " shares its position";
  }
  for (const auto& [family, taken] : positions) {  // 0 .. n-1 within each family
    EXPECT_EQ(*taken.rbegin(), static_cast<int>(taken.size()) - 1);
  }
  EXPECT_EQ(AsElementwiseOp(OpKind::kClip), ElementwiseOp::kClip);
  EXPECT_EQ(AsElementwiseOp(OpKind::kIdentity), ElementwiseOp::kIdentity);
  // Facts as data: the traits the code asks for.
  EXPECT_TRUE(GetOpInfo(OpKind::kConv).Has(op_traits::kFusedEpilogue));
  EXPECT_FALSE(GetOpInfo(OpKind::kConvTranspose).Has(op_traits::kFusedEpilogue));
  EXPECT_TRUE(GetOpInfo(OpKind::kLess).Has(op_traits::kBoolOutput));
  EXPECT_TRUE(GetOpInfo(OpKind::kSoftmax).Has(op_traits::kInPlace));
  EXPECT_FALSE(GetOpInfo(OpKind::kLogSoftmax).Has(op_traits::kInPlace));
}

// The hooks of one op of its own, by address: this test links only if every op of the
// table's Own family defines all four (the dispatch switches need them too; this is
// where a missing one is reported by name).
struct OwnOpHooks {
  OpKind kind;
  const void* upgrade;
  const void* infer;
  const void* evaluate;
  const void* emit;
};

TEST(OpRegistry, EveryOpOfItsOwnHasItsFourHooks) {
  const OwnOpHooks hooks[] = {
#define MODELC_OWN_OP_CASE(kind)                                                                          \
  {OpKind::k##kind, reinterpret_cast<const void*>(&Upgrade##kind), reinterpret_cast<const void*>(&Infer##kind), \
   reinterpret_cast<const void*>(&Evaluate##kind), reinterpret_cast<const void*>(&Emit##kind##Kernel)},
#include "compiler/ops/own_op_cases.inc"
#undef MODELC_OWN_OP_CASE
  };
  int own = 0;
  for (int i = 0; i < OpCount(); ++i) own += GetOpInfo(static_cast<OpKind>(i)).family == OpFamily::kOwn;
  ASSERT_EQ(static_cast<int>(std::size(hooks)), own);
  for (const OwnOpHooks& op : hooks) {
    EXPECT_EQ(GetOpInfo(op.kind).family, OpFamily::kOwn) << OpName(op.kind);
    EXPECT_NE(op.upgrade, nullptr);
    EXPECT_NE(op.infer, nullptr);
    EXPECT_NE(op.evaluate, nullptr);
    EXPECT_NE(op.emit, nullptr);
  }
}

TEST(OpRegistry, TheAddingAnOperatorWalkThroughIsCurrent) {
  const std::string doc = Read(kSource / "docs" / "adding-an-operator.md");
  ASSERT_FALSE(doc.empty());
  // Every file it names exists.
  const std::regex named_path(R"(`((compiler|tests|docs)/[A-Za-z0-9_./]+)`)");
  int paths = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), named_path); it != std::sregex_iterator(); ++it) {
    ++paths;
    EXPECT_TRUE(std::filesystem::exists(kSource / (*it)[1].str())) << (*it)[1];
  }
  EXPECT_GE(paths, 15);
  // Its table line has the table's columns.
  auto columns = [](const std::string& line) { return std::count(line.begin(), line.end(), ',') + 1; };
  std::smatch example;
  ASSERT_TRUE(std::regex_search(doc, example, std::regex(R"(\nOP\(([^)]*)\))")));
  std::smatch signature;
  const std::string table = Read(kSource / "compiler" / "ir" / "ops.def");
  ASSERT_TRUE(std::regex_search(table, signature, std::regex(R"(define OP\(([^)]*)\))")));
  EXPECT_EQ(columns(example[1].str()), columns(signature[1].str()));
  // The files it lists for each family's enum are the files that switch over it.
  const std::map<std::string, std::string> sources = CompilerSources();
  for (const char* family_enum :
       {"UnaryOp", "BinaryOp", "ViewOp", "ReduceOp", "IndexMapOp", "OwnOp", "ElementwiseOp"}) {
    std::set<std::string> switching;
    for (const auto& [path, text] : sources) {
      if (text.find(std::string("switch (As") + family_enum + "(") != std::string::npos) switching.insert(path);
    }
    std::smatch listed_line;
    ASSERT_TRUE(std::regex_search(doc, listed_line, std::regex(std::string("\\n- `") + family_enum + "`: ([^\\n]*)")))
        << family_enum;
    std::set<std::string> listed;
    const std::string line = listed_line[1].str();
    for (auto it = std::sregex_iterator(line.begin(), line.end(), named_path); it != std::sregex_iterator(); ++it) {
      listed.insert((*it)[1].str());
    }
    EXPECT_EQ(listed, switching) << family_enum;
  }
}

}  // namespace
}  // namespace modelc
