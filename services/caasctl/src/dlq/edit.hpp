#pragma once
// `dlq edit`: a dead letter's data replaced by a file or changed by a patch —
// RFC 6902 JSON Patch (a JSON array of add/remove/replace/test operations) or
// RFC 7386 JSON Merge Patch (a JSON object) — and the difference shown.

#include <caas/core/result.hpp>

#include <string>
#include <string_view>

namespace caas::ctl {

/// The patched data (compact JSON). `patch` is an array (JSON Patch) or an
/// object (merge patch).
Result<std::string> apply_patch(std::string_view data, std::string_view patch);
/// Compact form of a JSON object (refuses anything else).
Result<std::string> compact_object(std::string_view json);
/// One line per changed leaf: "- /path: old" and "+ /path: new".
std::string json_diff(std::string_view before, std::string_view after);

}  // namespace caas::ctl
