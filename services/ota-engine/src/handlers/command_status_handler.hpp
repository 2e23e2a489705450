#pragma once
// caas.ingress.iot-command-status.v1 (key VIN): the vehicle's acknowledgements
// of our commands. One for an attempt the store does not hold yet (it overtook
// the record that created the attempt, e.g. in a replay) is `not_yet_known`:
// the processor sets it aside in the waiting room of its key and takes it back
// once the request is applied; it never waits in the partition's path.

#include "handlers/handler_base.hpp"

namespace caas::ota {

class CommandStatusHandler {
 public:
  explicit CommandStatusHandler(HandlerDeps& deps) : deps_(deps) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged);

 private:
  HandlerDeps& deps_;
};

}  // namespace caas::ota
