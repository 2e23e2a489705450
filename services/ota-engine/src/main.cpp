// caas-ota-engine: OTA activation and deactivation of the services already in
// the vehicles' firmware, verified before anyone is charged (DESIGN.md §2, seed 004).
#include "app/ota_service.hpp"

int main(int argc, char** argv) {
  caas::ota::OtaService service;
  return caas::service::run_service(
      {"ota-engine", 8083, "OTA activations verified before billing: catalogue, retries, escalation"}, service, argc,
      argv);
}
