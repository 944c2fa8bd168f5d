// A shared library named like a backend plugin but without the entry point: the loader must
// reject it with a message, not crash.
extern "C" __attribute__((visibility("default"))) int fathom_something_else()
{
    return 42;
}
