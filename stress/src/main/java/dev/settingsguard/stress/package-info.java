/**
 * The stress harness CLI, {@link dev.settingsguard.stress.StressHarness}: every concurrency
 * strategy of settings-guard, and a raw-JDBC baseline, measured across thread and process counts
 * while a separate reader watches the single-active-provider invariant.
 *
 * <p>The module also holds the jcstress tests ({@code dev.settingsguard.stress.jcstress}) and the
 * JMH benchmarks ({@code dev.settingsguard.stress.jmh}), each shaded into its own runnable jar.
 */
package dev.settingsguard.stress;
