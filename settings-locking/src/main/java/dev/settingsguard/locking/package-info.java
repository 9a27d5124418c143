/**
 * Concurrency strategies: decorators of {@link dev.settingsguard.core.SettingsStore} that make each
 * write operation exclusive and atomic, and {@link dev.settingsguard.locking.SettingsModule}, which
 * installs the chain chosen by a {@link dev.settingsguard.locking.SettingsConfig}.
 *
 * <p>Strategies compose in one fixed order, outermost first: {@code JVM_LOCK → FILE_LOCK →
 * SQLITE_IMMEDIATE}, around one SQLite transaction per operation: {@code
 * JvmLock(FileLock(SqliteTransaction(adapter)))}. Reads pass straight through.
 */
package dev.settingsguard.locking;
