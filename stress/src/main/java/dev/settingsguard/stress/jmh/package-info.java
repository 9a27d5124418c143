/**
 * JMH benchmarks of the decorators' per-operation cost, one thread, beside a raw-JDBC baseline. Run
 * them from the shaded jar: {@code java -jar stress/target/benchmarks.jar}.
 */
package dev.settingsguard.stress.jmh;
