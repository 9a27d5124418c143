/**
 * The harness's parts, shared by the jcstress tests and benchmarks where they fit: contenders,
 * workloads, load threads, child processes, the invariant watcher, the latency histogram and the
 * reports. Not API.
 */
package dev.settingsguard.stress.internal;
