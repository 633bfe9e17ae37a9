// The names of TFLite's builtin operators, by builtin code (the published format's
// BuiltinOperator enumeration, codes 0 to 161), for messages.
#ifndef MODELC_FRONTEND_TFLITE_BUILTIN_OPERATOR_NAMES_H_
#define MODELC_FRONTEND_TFLITE_BUILTIN_OPERATOR_NAMES_H_

#include <cstdint>
#include <string>

namespace modelc {

// "CONV_2D" for 3; "builtin operator 250" for a code this table does not name.
std::string BuiltinOperatorName(int32_t code);

}  // namespace modelc

#endif  // MODELC_FRONTEND_TFLITE_BUILTIN_OPERATOR_NAMES_H_
