#include "mail_sink.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <rapidjson/document.h>

#include "eventually.hpp"
#include "local_resources.hpp"

namespace caas::testing {

namespace {

bool is_message_file(const std::filesystem::path& p) {
  // <seq 8 digits>-<uuid>.json; temporary files start with '.'.
  const auto name = p.filename().string();
  return name.size() > 14 && std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; }) &&
         name[8] == '-' && name.ends_with(".json");
}

// stdio rather than istreambuf_iterator: GCC 12 reports a false
// -Wnull-dereference inside <streambuf> for the latter at -O2.
std::string read_file(const std::filesystem::path& p) {
  std::string out;
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) return out;
  char chunk[8192];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) out.append(chunk, n);
  std::fclose(f);
  return out;
}

std::string get_string(const rapidjson::Value& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::uint64_t get_uint(const rapidjson::Value& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsUint64()) return 0;
  return it->value.GetUint64();
}

}  // namespace

std::string MailSink::default_binary() {
  return (std::filesystem::path(executable_dir()).parent_path() / "bin" / "caas-mail-sink").string();
}

MailSink::MailSink(MailSinkOptions options) : options_(std::move(options)) {
  if (options_.binary.empty()) options_.binary = default_binary();
  dir_ = fresh_dir("mail-sink");
  stats_file_ = fresh_dir("mail-sink-stats") / "stats.json";  // not among the messages
  start(0);
}

MailSink::~MailSink() = default;  // ChildProcess kills the sink

void MailSink::start(std::uint16_t port) {
  std::vector<std::string> argv = {options_.binary,      "--host", "127.0.0.1",   "--port",
                                   std::to_string(port), "--dir",  dir_.string(), "--stats-file",
                                   stats_file_.string()};
  if (options_.latency_ms > 0) {
    argv.push_back("--latency-ms");
    argv.push_back(std::to_string(options_.latency_ms));
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  child_ = std::make_unique<ChildProcess>(argv);
  auto line = child_->wait_for_line("listening on ", std::chrono::seconds(15));
  if (!line) {
    child_.reset();
    throw std::runtime_error("caas-mail-sink did not start (" + options_.binary + ")");
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line->substr(std::string("listening on ").size())));
}

std::vector<ReceivedMail> MailSink::messages() const {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (is_message_file(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // zero-padded seq: name order is seq order
  std::vector<ReceivedMail> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    rapidjson::Document doc;
    const std::string text = read_file(f);
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("mail sink: bad JSON in " + f.string());
    ReceivedMail m;
    m.seq = get_uint(doc, "seq");
    m.mail_from = get_string(doc, "mail_from");
    if (auto it = doc.FindMember("rcpt_tos"); it != doc.MemberEnd() && it->value.IsArray()) {
      for (const auto& r : it->value.GetArray()) {
        if (r.IsString()) m.rcpt_tos.emplace_back(r.GetString(), r.GetStringLength());
      }
    }
    if (!m.rcpt_tos.empty()) m.to = m.rcpt_tos.front();
    m.from = get_string(doc, "from");
    m.subject = get_string(doc, "subject");
    m.body = get_string(doc, "body");
    m.message_id = get_string(doc, "message_id");
    m.date = get_string(doc, "date");
    m.content_type = get_string(doc, "content_type");
    m.raw = get_string(doc, "raw");
    out.push_back(std::move(m));
  }
  return out;
}

std::size_t MailSink::count() const {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (is_message_file(entry.path())) ++n;
  }
  return n;
}

bool MailSink::wait_for_count(std::size_t n, std::chrono::milliseconds timeout) const {
  return eventually([&] { return count() >= n; }, timeout);
}

MailSinkStats MailSink::stats() const {
  MailSinkStats s;
  const std::string text = read_file(stats_file_);
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return s;
  s.connections_total = get_uint(doc, "connections_total");
  s.connections_open = get_uint(doc, "connections_open");
  s.messages = get_uint(doc, "messages");
  s.rejected = get_uint(doc, "rejected");
  s.tempfailed = get_uint(doc, "tempfailed");
  s.stalled = get_uint(doc, "stalled");
  s.dropped = get_uint(doc, "dropped");
  return s;
}

void MailSink::kill() {
  if (!child_) return;
  child_->kill_hard();
  child_.reset();
}

std::optional<int> MailSink::stop() {
  if (!child_) return std::nullopt;
  child_->terminate();
  auto status = child_->wait(std::chrono::seconds(10));
  if (!status) child_->kill_hard();
  child_.reset();
  return status;
}

void MailSink::restart() {
  kill();
  start(port_);
}

}  // namespace caas::testing
