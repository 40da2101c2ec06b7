// A private PostgreSQL server for the tests that need one
// (tests/peers/start-postgres.sh: Debian's postgresql package, run as an
// unprivileged user on a free loopback port, password authentication), with a
// fresh database per test so that tests never see each other's tables.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/peer_server.hpp"

namespace cloudsync::test {

class PostgresServer {
 public:
  /// The server shared by every test of this process, started on first use.
  /// REQUIRE-fails the current test when it does not start.
  static PostgresServer& shared();

  /// A new empty database (a unique name); returns its libpq conninfo.
  /// With `with_password` the conninfo carries the password; without, libpq
  /// finds it nowhere and a caller must give it (password_env()).
  std::string create_database(bool with_password = true);
  /// conninfo of the server's default database ("postgres").
  std::string conninfo(const std::string& database = "postgres", bool with_password = true) const;
  /// The superuser's password (random per server).
  const std::string& password() const { return password_; }
  /// PGHOST, PGPORT, PGUSER, PGPASSWORD (for child processes such as psql).
  std::map<std::string, std::string> environment() const;
  int port() const { return server_->port(); }

  /// Runs SQL (one or more statements) in `conninfo`, REQUIRE-ing success.
  static void exec(const std::string& conninfo, const std::string& sql);
  /// The first column of every row a query returns, as text ("" for NULL).
  static std::vector<std::string> query_column(const std::string& conninfo, const std::string& sql);

 private:
  PostgresServer();
  std::unique_ptr<PeerServer> server_;
  std::string password_;
  int databases_ = 0;
};

}  // namespace cloudsync::test
