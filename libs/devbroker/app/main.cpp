// caas-devbroker: a local Kafka (librdkafka's mock cluster) with every topic
// of the topic table created. Prints the bootstrap list as the first line of
// stdout, optionally writes it to a file (atomically, once topics exist), and
// runs until SIGTERM/SIGINT.

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/kafka/topics.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <pthread.h>
#include <unistd.h>

namespace {

constexpr std::string_view kUsage =
    "usage: caas-devbroker [--brokers N] [--topics FILE] [--bootstrap-file FILE]\n"
    "\n"
    "Runs an in-process Kafka cluster (librdkafka mock, loopback, random ports)\n"
    "with every topic of the topic table, until SIGTERM or SIGINT.\n"
    "\n"
    "  --brokers N           number of brokers (default 3)\n"
    "  --topics FILE         topic table JSON (default: the built-in\n"
    "                        proto-schemas/topics.json)\n"
    "  --bootstrap-file F    write the bootstrap list to F (atomically) once\n"
    "                        the topics exist\n"
    "  --help, --version\n"
    "\n"
    "The bootstrap list is also the first line of stdout. Not durable; keeps\n"
    "only the newest ~5 MiB per partition.\n";

struct Options {
  int brokers = 3;
  std::optional<std::string> topics_file;
  std::optional<std::string> bootstrap_file;
};

/// nullopt = exit with the returned code (help/version/usage error).
std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "caas-devbroker: " << name << " needs a value\n" << kUsage;
        exit_code = 2;
        return nullptr;
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      exit_code = 0;
      return std::nullopt;
    }
    if (arg == "--version") {
      std::cout << "caas-devbroker " << CAAS_VERSION << " (librdkafka " << rd_kafka_version_str() << ")\n";
      exit_code = 0;
      return std::nullopt;
    }
    if (arg == "--brokers") {
      const char* v = value(arg);
      if (!v) break;
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || n < 1 || n > 16) {
        std::cerr << "caas-devbroker: --brokers must be 1..16\n";
        exit_code = 2;
        return std::nullopt;
      }
      o.brokers = static_cast<int>(n);
    } else if (arg == "--topics") {
      const char* v = value(arg);
      if (!v) break;
      o.topics_file = v;
    } else if (arg == "--bootstrap-file") {
      const char* v = value(arg);
      if (!v) break;
      o.bootstrap_file = v;
    } else {
      std::cerr << "caas-devbroker: unknown option " << arg << "\n" << kUsage;
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (exit_code != 0) return std::nullopt;
  return o;
}

/// Write to a temp file in the same directory, then rename: readers never
/// see a partial bootstrap list.
void write_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  // Before any thread exists: block the stop signals so every thread
  // (librdkafka's included) inherits the mask and only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const auto options = parse(argc, argv, exit_code);
  if (!options) return exit_code;
  try {
    const caas::kafka::TopicTable table = options->topics_file ? caas::kafka::load_topic_table(*options->topics_file)
                                                               : caas::kafka::builtin_topic_table();
    caas::devbroker::MockCluster cluster(options->brokers, table);
    if (options->bootstrap_file) write_atomically(*options->bootstrap_file, cluster.bootstrap());
    std::cout << cluster.bootstrap() << std::endl;
    std::cerr << "caas-devbroker: " << options->brokers << " brokers, " << table.topics.size()
              << " topics; SIGTERM/SIGINT to stop\n";
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "caas-devbroker: signal " << sig << ", stopping\n";
    if (options->bootstrap_file) std::remove(options->bootstrap_file->c_str());
    exit_code = 0;
  } catch (const std::exception& e) {
    std::cerr << "caas-devbroker: " << e.what() << "\n";
    exit_code = 1;
  }
  return exit_code;
}
