#include "storage/transaction.h"

#include "storage/database.h"

#include <sqlite3.h>

namespace fathom::storage {

Transaction::Transaction(const Database& db) : m_db(db)
{
    m_nested = sqlite3_get_autocommit(db.handle()) == 0;
    db.exec(m_nested ? "SAVEPOINT fathom_nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (m_done)
        return;
    // Not exec(): a destructor must not throw, and a failed rollback leaves nothing to do anyway
    // (SQLite rolls back on its own when the connection closes).
    if (m_nested)
        sqlite3_exec(m_db.handle(), "ROLLBACK TO fathom_nested; RELEASE fathom_nested", nullptr, nullptr, nullptr);
    else
        sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit()
{
    m_db.exec(m_nested ? "RELEASE fathom_nested" : "COMMIT");
    m_done = true;
}

}  // namespace fathom::storage
