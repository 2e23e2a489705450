#include "domain/views.hpp"

#include "domain/json_out.hpp"

namespace caas::iot_sim {

namespace {

void write_optional_time(JsonWriter& w, std::string_view key, const std::optional<TimePoint>& t) {
  write_string(w, key);
  if (t) {
    write_string(w, format_rfc3339(*t));
  } else {
    w.Null();
  }
}

/// The members of the status document, without the enclosing braces.
void write_status_members(JsonWriter& w, const Vehicle& v, const std::vector<const CommandRecord*>& pending,
                          TimePoint now) {
  write_member(w, "vin", v.vin);
  write_member(w, "platform", v.platform);
  write_member(w, "firmware_version", v.firmware_version);
  write_time_member(w, "time", now);
  write_member(w, "operational_state", to_string(v.operational_state));
  write_position(w, v.position);
  write_string(w, "configuration");
  write_parameters(w, v.parameters);
  write_diagnostics(w, v.diagnostics);
  write_string(w, "connectivity");
  w.StartObject();
  write_string(w, "online");
  w.Bool(v.online);
  write_string(w, "signal_dbm");
  w.Int(v.connectivity.signal_dbm);
  write_member(w, "network", v.connectivity.network);
  write_optional_time(w, "last_seen", v.last_seen);
  w.EndObject();
  write_string(w, "pending_commands");
  w.StartArray();
  for (const auto* c : pending) {
    w.StartObject();
    write_member(w, "command_id", c->command_id);
    write_member(w, "state", to_string(c->phase));
    write_time_member(w, "received_at", c->received_at);
    w.EndObject();
  }
  w.EndArray();
}

void write_optional_parameters(JsonWriter& w, std::string_view key, const Parameters* p) {
  write_string(w, key);
  if (p != nullptr) {
    write_parameters(w, *p);
  } else {
    w.Null();
  }
}

}  // namespace

std::string status_json(const Vehicle& v, const std::vector<const CommandRecord*>& pending, TimePoint now) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_status_members(w, v, pending, now);
    w.EndObject();
  });
}

std::string command_status_body(const Ack& ack) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "command_id", ack.command_id);
    write_member(w, "vin", ack.vin);
    write_time_member(w, "time", ack.time);
    write_member(w, "result", to_string(ack.result));
    write_string(w, "error_code");
    if (ack.error_code.empty()) {
      w.Null();
    } else {
      write_string(w, ack.error_code);
    }
    write_optional_parameters(w, "reported_parameters", ack.reported ? &*ack.reported : nullptr);
    w.EndObject();
  });
}

std::string command_accepted_json(const CommandRecord& c, bool duplicate) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "command_id", c.command_id);
    write_member(w, "vin", c.vin);
    write_member(w, "status", c.phase == CommandPhase::held ? "HELD" : "ACCEPTED");
    write_time_member(w, "received_at", c.received_at);
    if (duplicate) {
      write_string(w, "duplicate");
      w.Bool(true);
    }
    w.EndObject();
  });
}

std::string message_accepted_json(const std::string& vin, const std::string& message_id, bool duplicate) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "message_id", message_id);
    write_member(w, "vin", vin);
    write_member(w, "status", "ACCEPTED");
    if (duplicate) {
      write_string(w, "duplicate");
      w.Bool(true);
    }
    w.EndObject();
  });
}

void write_control_vehicle(JsonWriter& w, const Vehicle& v, const std::vector<const CommandRecord*>& pending,
                           const OutgoingReading* last_reading, TimePoint now) {
  w.StartObject();
  write_status_members(w, v, pending, now);
  write_string(w, "online");
  w.Bool(v.online);
  write_string(w, "telemetry");
  w.StartObject();
  write_count(w, "next_seq", v.next_seq);
  write_count(w, "last_taken_seq", v.next_seq - 1);
  write_count(w, "delivered_seq", v.delivered_seq);
  write_string(w, "last_reading");
  if (last_reading != nullptr) {
    w.RawValue(last_reading->json.c_str(), last_reading->json.size(), rapidjson::kObjectType);
  } else {
    w.Null();
  }
  w.EndObject();
  write_count(w, "offline_periods", v.offline_periods.size());
  w.EndObject();
}

void write_control_command(JsonWriter& w, const CommandRecord& c) {
  w.StartObject();
  write_count(w, "seq", c.seq);
  write_member(w, "vin", c.vin);
  write_member(w, "command_id", c.command_id);
  write_string(w, "parameters");
  write_parameters(w, c.requested);
  write_time_member(w, "received_at", c.received_at);
  write_count(w, "requests", c.requests);
  write_count(w, "repeated_requests", c.requests - 1);
  write_member(w, "phase", to_string(c.phase));
  write_string(w, "acks_lost");
  w.Bool(c.acks_lost);
  const Execution* e = c.execution ? &*c.execution : nullptr;
  write_string(w, "result");
  if (e != nullptr) {
    write_string(w, to_string(e->result));
  } else {
    w.Null();
  }
  write_string(w, "error_code");
  if (e != nullptr && !e->error_code.empty()) {
    write_string(w, e->error_code);
  } else {
    w.Null();
  }
  write_string(w, "partial");
  w.Bool(e != nullptr && e->partial);
  write_optional_parameters(w, "applied_parameters", e != nullptr ? &e->applied : nullptr);
  write_optional_parameters(w, "reported_parameters",
                            e != nullptr && e->error_code != "VEHICLE_OFFLINE" ? &e->reported : nullptr);
  write_optional_time(w, "completed_at", c.completed_at);
  write_string(w, "acks");
  w.StartArray();
  for (const auto& a : c.acks) {
    w.StartObject();
    write_member(w, "result", to_string(a.result));
    write_member(w, "webhook_id", a.webhook_id);
    write_member(w, "outcome", a.outcome);
    write_string(w, "attempts");
    w.Int(a.attempts);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void write_control_message(JsonWriter& w, const DisplayMessage& m) {
  w.StartObject();
  write_member(w, "vin", m.vin);
  write_member(w, "message_id", m.request.message_id);
  write_member(w, "text", m.request.text);
  write_member(w, "language", m.request.language);
  write_string(w, "display_seconds");
  w.Int(m.request.display_seconds);
  write_time_member(w, "received_at", m.received_at);
  write_count(w, "requests", m.requests);
  write_string(w, "vehicle_online");
  w.Bool(m.vehicle_online);
  w.EndObject();
}

void write_offline_periods(JsonWriter& w, const Vehicle& v) {
  w.StartObject();
  write_member(w, "vin", v.vin);
  write_string(w, "online");
  w.Bool(v.online);
  write_string(w, "periods");
  w.StartArray();
  for (const auto& p : v.offline_periods) {
    w.StartObject();
    write_time_member(w, "from", p.from);
    write_optional_time(w, "to", p.to);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace caas::iot_sim
