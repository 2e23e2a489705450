#pragma once
// Deterministic event ids: an event's id is a name-based UUID of
// (id of the input that caused it, kind of event). Re-applying the same input
// after a lost store (replay) therefore re-emits the same ids, and every
// downstream consumer's dedup-by-event-id absorbs the repeats.

#include <string>
#include <string_view>

namespace caas::order {

/// UUID text (version nibble 8 = "custom", RFC 9562) from SHA-256(cause_id "/" kind).
std::string derive_event_id(std::string_view cause_id, std::string_view kind);

}  // namespace caas::order
