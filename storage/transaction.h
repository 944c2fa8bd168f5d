// Every change to the database happens inside one of these: all of it lands, or none of it does.
// Outermost: BEGIN IMMEDIATE (takes the write lock up front, so busy_timeout applies instead of a
// deadlock on upgrade); nested: a SAVEPOINT, so helpers can be composed into larger changes.
#pragma once

#include <type_traits>
#include <utility>

namespace fathom::storage {

class Database;

class Transaction final {
public:
    explicit Transaction(const Database& db);
    ~Transaction();  // rolls back unless commit() ran
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    const Database& m_db;
    bool m_nested = false;
    bool m_done = false;
};

// Runs f() in a transaction and commits when it returns; an exception rolls everything back.
template <class F>
auto inTransaction(const Database& db, F&& f) -> decltype(f())
{
    Transaction t(db);
    if constexpr (std::is_void_v<decltype(f())>) {
        std::forward<F>(f)();
        t.commit();
    } else {
        auto result = std::forward<F>(f)();
        t.commit();
        return result;
    }
}

}  // namespace fathom::storage
