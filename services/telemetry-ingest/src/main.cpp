// caas-telemetry-ingest: vehicle state, status timeline, connectivity and the
// fleet summary from the API IoT's telemetry (DESIGN.md §2, seed 004).
#include "app/telemetry_service.hpp"

int main(int argc, char** argv) {
  caas::telemetry::TelemetryService service;
  return caas::service::run_service(
      {"telemetry-ingest", 8084, "vehicle state, timeline, connectivity and fleet summary from telemetry"}, service,
      argc, argv);
}
