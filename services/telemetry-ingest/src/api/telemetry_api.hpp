#pragma once
// The vehicle API (port 8084, DESIGN.md §6):
//   GET /api/v1/vehicles/{vin}/state          latest reported state and connection
//   GET /api/v1/vehicles/{vin}/timeline       status timeline (from, to, limit, cursor)
//   GET /api/v1/vehicles/{vin}/connectivity   online/offline intervals
//   GET /api/v1/fleet/summary                 vehicles known, online %, by state and severity
// Admin, operator and system API keys see every vehicle; a customer token
// only the vehicles delivered to that customer (order.delivered); dealers none.
//
// Per-vehicle reads are answered by a replica that serves the vehicle's
// partition (app/partition_owners); another replica answers 503
// `not_served_here` (the caller retries, the load balancer picks again).
// The summary is answered by any replica (fleet view of the whole log).

#include "app/partition_owners.hpp"
#include "handlers/fleet_handler.hpp"
#include "store/telemetry_store.hpp"

#include <caas/http/server.hpp>
#include <caas/service/caller_auth.hpp>

#include <functional>
#include <variant>

namespace caas::telemetry {

class TelemetryApi {
 public:
  /// `caught_up`: the readings' processor has applied its partitions to the end.
  TelemetryApi(TelemetryStore& store, service::Authenticator auth, const PartitionOwners& owners,
               const FleetHandler& fleet, std::function<bool()> caught_up);
  void add_routes(http::Router& router);

  http::Response state(const http::Request& req) const;
  http::Response timeline(const http::Request& req) const;
  http::Response connectivity(const http::Request& req) const;
  http::Response summary(const http::Request& req) const;

 private:
  /// The vehicle's record if the caller may read it and this replica serves it.
  std::variant<VehicleRecord, http::Response> vehicle_for(const http::Request& req) const;

  TelemetryStore& store_;
  service::Authenticator auth_;
  const PartitionOwners& owners_;
  const FleetHandler& fleet_;
  std::function<bool()> caught_up_;
};

}  // namespace caas::telemetry
