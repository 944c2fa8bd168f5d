// ModelRecords: the model picker's list.
#include "storage/database.h"
#include "storage/model_records.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

using namespace fathom::storage;

TEST(ModelRecords, listsMostRecentlyUsedFirstAndRemoves)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    ModelRecords models(db);
    models.upsert({"/m/a", "org/a", "abc", "Alpha", "DeepseekV2ForCausalLM", 10, 0, 0});
    models.upsert({"/m/b", "org/b", "def", "Beta", "DeepseekV3ForCausalLM", 20, 0, 0});
    EXPECT_EQ(models.list()[0].name, "Alpha");  // never used: by name
    models.markUsed("/m/b");
    auto all = models.list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].folder, "/m/b");
    EXPECT_GT(all[0].lastUsedAt, 0);
    EXPECT_GT(all[0].addedAt, 0);
    ASSERT_TRUE(models.find("/m/a"));
    EXPECT_EQ(models.find("/m/a")->architecture, "DeepseekV2ForCausalLM");
    models.remove("/m/a");
    EXPECT_FALSE(models.find("/m/a"));
}
