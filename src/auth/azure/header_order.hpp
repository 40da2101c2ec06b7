// The order in which the Azure Storage service sorts canonicalised x-ms-*
// header names when it recomputes a SharedKey signature.
//
// The service sorts with .NET's culture-sensitive (en-US) string comparison,
// not byte order. Byte order (std::sort, strcmp) puts `x-ms-meta-i0` before
// `x-ms-meta-i_` and yields 403 AuthenticationFailed for such metadata names
// (Azure/azure-sdk-for-python#10277, Azure/azure-sdk-for-net#41328).
#pragma once

#include <string_view>

namespace cloudsync::auth {

/// Three-way comparison (<0, 0, >0) of two header names in the service's order:
///  1. ASCII letters compare case-insensitively and after digits, digits after
///     symbols; symbols rank ' ' ! " # $ % & ( ) * , . / : ; ? @ [ \ ] ^ _ ` { | } ~ + < = >
///     (so `_` precedes `0` and `a`); `-` and `'` are ignored at this level;
///  2. names equal at level 1 compare by their `-`/`'` marks: the name whose
///     first differing mark comes later in the name sorts first, at the same
///     position `'` precedes `-`, and a name with fewer marks sorts first;
///  3. names still equal are ordered by bytes, so the order is total.
/// Header names are ASCII tokens and the signer lower-cases them first; other
/// bytes sort after the letters by value.
int compare_azure_header_names(std::string_view a, std::string_view b);

/// compare_azure_header_names as a strict weak ordering for std::sort.
struct AzureHeaderNameLess {
  bool operator()(std::string_view a, std::string_view b) const { return compare_azure_header_names(a, b) < 0; }
};

}  // namespace cloudsync::auth
