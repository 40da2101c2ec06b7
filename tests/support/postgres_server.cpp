#include "support/postgres_server.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <mutex>

namespace cloudsync::test {
namespace {

struct Connection {
  explicit Connection(const std::string& conninfo) : conn(PQconnectdb(conninfo.c_str())) {
    INFO("connecting to PostgreSQL");
    REQUIRE(conn != nullptr);
    if (PQstatus(conn) != CONNECTION_OK) FAIL("PostgreSQL connection failed: " << PQerrorMessage(conn));
  }
  ~Connection() { PQfinish(conn); }
  PGconn* conn;
};

struct PgResult {
  explicit PgResult(PGresult* r) : res(r) {}
  ~PgResult() { PQclear(res); }
  PGresult* res;
};

}  // namespace

PostgresServer::PostgresServer() {
  PeerSpec spec;
  spec.name = "postgres";
  spec.command = {"{peers}/start-postgres.sh", "{port}", "{dir}"};
  spec.launcher_exits = true;
  spec.ready_timeout = std::chrono::milliseconds(60'000);
  server_ = std::make_unique<PeerServer>(spec);
  password_ = server_->env().at("PGPASSWORD");
}

PostgresServer& PostgresServer::shared() {
  static std::mutex mutex;
  static std::unique_ptr<PostgresServer> server;
  std::lock_guard lock(mutex);
  if (!server) server.reset(new PostgresServer());
  return *server;
}

std::string PostgresServer::conninfo(const std::string& database, bool with_password) const {
  std::string info =
      "host=127.0.0.1 port=" + std::to_string(port()) + " user=cloudsync dbname=" + database + " connect_timeout=10";
  if (with_password) info += " password=" + password_;
  return info;
}

std::string PostgresServer::create_database(bool with_password) {
  const std::string name = "test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  exec(conninfo(), "CREATE DATABASE " + name);
  return conninfo(name, with_password);
}

std::map<std::string, std::string> PostgresServer::environment() const {
  return {{"PGHOST", "127.0.0.1"},
          {"PGPORT", std::to_string(port())},
          {"PGUSER", "cloudsync"},
          {"PGPASSWORD", password_},
          {"PGDATABASE", "postgres"}};
}

void PostgresServer::exec(const std::string& conninfo, const std::string& sql) {
  Connection c(conninfo);
  PgResult r(PQexec(c.conn, sql.c_str()));
  const auto status = PQresultStatus(r.res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    FAIL("PostgreSQL: " << PQresultErrorMessage(r.res) << "\nin: " << sql);
  }
}

std::vector<std::string> PostgresServer::query_column(const std::string& conninfo, const std::string& sql) {
  Connection c(conninfo);
  PgResult r(PQexec(c.conn, sql.c_str()));
  if (PQresultStatus(r.res) != PGRES_TUPLES_OK) FAIL("PostgreSQL: " << PQresultErrorMessage(r.res) << "\nin: " << sql);
  std::vector<std::string> out;
  for (int row = 0; row < PQntuples(r.res); ++row) {
    out.emplace_back(PQgetisnull(r.res, row, 0) ? "" : PQgetvalue(r.res, row, 0));
  }
  return out;
}

}  // namespace cloudsync::test
