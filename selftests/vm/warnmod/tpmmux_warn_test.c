// SPDX-License-Identifier: GPL-2.0
/*
 * tpmmux_warn_test - a module whose only job is to WARN when loaded.
 *
 * Used by selftests/harness.t to check that selftests/vm/run fails a run
 * whose kernel log has a WARNING, even when the command itself succeeds.
 */

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init tpmmux_warn_test_init(void)
{
	WARN(1, "tpmmux_warn_test: deliberate warning to test the VM harness\n");
	return 0;
}

static void __exit tpmmux_warn_test_exit(void)
{
}

module_init(tpmmux_warn_test_init);
module_exit(tpmmux_warn_test_exit);

MODULE_DESCRIPTION("Deliberate WARN on load, to test the tpmmux VM harness");
MODULE_LICENSE("GPL");
