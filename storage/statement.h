// A prepared SQLite statement with RAII finalisation; every failure becomes a fathom::Error that
// names the database file and SQLite's own explanation.
#pragma once

#include <cstdint>
#include <string>

struct sqlite3_stmt;

namespace fathom::storage {

class Database;

class Statement final {
public:
    Statement(const Database& db, const char* sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQL's ?1, ?2 ...
    Statement& bindInt(int index, std::int64_t value);
    Statement& bindDouble(int index, double value);
    Statement& bindText(int index, const std::string& value);
    Statement& bindNull(int index);
    // Binds NULL for 0: the "no message" / "root" id used throughout the API.
    Statement& bindIdOrNull(int index, std::int64_t id);

    bool step();  // true while a row is available
    void run();   // steps a statement that returns no rows
    void reset(); // ready to step again; bindings are kept

    // Columns are 0-based. NULL reads as 0 / 0.0 / "".
    std::int64_t intAt(int column) const;
    double doubleAt(int column) const;
    std::string textAt(int column) const;
    bool isNullAt(int column) const;

private:
    const Database& m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

}  // namespace fathom::storage
