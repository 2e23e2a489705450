#pragma once
// The pieces both simulators' fault documents (POST /control/faults) are
// checked with. Each member of a patch is bound to the field of the plan it
// sets; the patch is applied to a copy, so it is kept whole or refused whole,
// naming the first bad field.

#include "caas/sim/json_writer.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace caas::sim {

struct PatchError {
  std::string field;  // e.g. "placement.error_statuses[1]", "fail_next[2]"
  std::string message;
};

/// Checks one member's value and, when valid, stores it in the field it is
/// bound to.
using PatchMember = std::function<std::optional<PatchError>(const rapidjson::Value&, const std::string& field)>;
/// The members of one section of a fault document, by name.
using PatchSection = std::map<std::string, PatchMember>;

/// "<field> <message>".
std::optional<PatchError> patch_error(const std::string& field, std::string message);

/// An integer in 400..599.
bool is_error_status(const rapidjson::Value& v);

/// A number in [0, 1].
PatchMember probability(double& out);
PatchMember boolean(bool& out);
/// An integer number of milliseconds in 0..600000.
PatchMember milliseconds(std::chrono::milliseconds& out);

/// next_errors entry meaning "hold the request like a timeout".
inline constexpr int kTimeoutMarker = 0;
/// An array of 1..16 HTTP statuses in 400..599.
PatchMember status_list(std::vector<int>& out);
/// An array of at most 1000 entries, each an HTTP status in 400..599 or
/// "timeout" (stored as kTimeoutMarker): the answers of the next requests.
PatchMember error_queue(std::deque<int>& out);

/// Applies every member of `object` through `section`, naming fields
/// "<prefix>.<member>"; stops at the first bad or unknown member.
std::optional<PatchError> apply_members(const PatchSection& section, const rapidjson::Value& object,
                                        const std::string& prefix);

/// "key": [statuses] and "key": [statuses or "timeout"], as the patches take them.
void write_status_list(JsonWriter& w, std::string_view key, const std::vector<int>& statuses);
void write_error_queue(JsonWriter& w, std::string_view key, const std::deque<int>& queue);

}  // namespace caas::sim
