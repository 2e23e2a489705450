#pragma once
// Builds CloudEvents records the way a platform producer would (envelope +
// ce_* headers), for tests that feed a service's input topics.

#include <caas/kafka/record.hpp>

#include <string>

namespace caas::testing {

/// A `test.sample` event {"name": name, "count": count} as a record of
/// `topic` keyed by `key`. Returns the record; its event id is in the ce_id header.
kafka::Record sample_event(const std::string& topic, const std::string& key, const std::string& name, int count);

/// Same, with arbitrary `data` JSON (may violate the schema on purpose).
kafka::Record event_record(const std::string& topic, const std::string& key, const std::string& type,
                           const std::string& data_json);

/// The ce_id header of a record built above.
std::string event_id(const kafka::Record& record);

}  // namespace caas::testing
