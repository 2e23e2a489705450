#pragma once
// Deterministic (name-based) event ids. A service that emits an event because
// of an input derives the event's id from that input, so re-processing the
// same input after a crash or a wiped store (replay) re-emits the same ids and
// every consumer's dedup-by-event-id absorbs the repeats (DESIGN.md §5).
//
// The ids already on the topics were made by three services with one hashing
// scheme but different names, so the exact byte layout of the name is part of
// the contract: changing it changes ids and breaks dedup across an upgrade.

#include <string>
#include <string_view>

namespace caas::events {

/// UUID text from the first 16 bytes of SHA-256(name), with the version
/// nibble set to `version` (5 = name-based, 8 = custom, RFC 9562) and the
/// RFC 4122 variant bits.
std::string name_based_uuid(std::string_view name, unsigned version);

/// The event id of (`kind`, `basis`): name_based_uuid(kind "\n" basis, 5).
/// `kind` names what is derived (an event type, "factory.status-changed/poll",
/// a source such as "factory"); `basis` is what makes it unique within that
/// kind (an envelope id, "order\nstatus\ntimestamp", a webhook body digest).
/// webhook-ingress and factory-adapter ids are made here.
std::string derive_event_id(std::string_view kind, std::string_view basis);

}  // namespace caas::events
