#include "storage/statement.h"

#include "storage/database.h"

#include <sqlite3.h>

namespace fathom::storage {

Statement::Statement(const Database& db, const char* sql) : m_db(db)
{
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &m_stmt, nullptr) != SQLITE_OK)
        db.fail("cannot prepare a query");
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bindInt(int index, std::int64_t value)
{
    if (sqlite3_bind_int64(m_stmt, index, value) != SQLITE_OK)
        m_db.fail("cannot bind a query parameter");
    return *this;
}

Statement& Statement::bindDouble(int index, double value)
{
    if (sqlite3_bind_double(m_stmt, index, value) != SQLITE_OK)
        m_db.fail("cannot bind a query parameter");
    return *this;
}

Statement& Statement::bindText(int index, const std::string& value)
{
    if (sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
        SQLITE_OK)
        m_db.fail("cannot bind a query parameter");
    return *this;
}

Statement& Statement::bindNull(int index)
{
    if (sqlite3_bind_null(m_stmt, index) != SQLITE_OK)
        m_db.fail("cannot bind a query parameter");
    return *this;
}

Statement& Statement::bindIdOrNull(int index, std::int64_t id)
{
    return id == 0 ? bindNull(index) : bindInt(index, id);
}

bool Statement::step()
{
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    m_db.fail("query failed", rc);
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
}

std::int64_t Statement::intAt(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::doubleAt(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::textAt(int column) const
{
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    if (!text)
        return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
}

bool Statement::isNullAt(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

}  // namespace fathom::storage
