/**
 * The {@link dev.settingsguard.core.SettingsStore} port over Jdbi 3, for every backend.
 *
 * <p>{@link dev.settingsguard.jdbi.Database} is one database of some backend: its connections, its
 * schema and the transactions that decorators open around whole operations; each backend has its
 * own package ({@code sqlite}). {@link dev.settingsguard.jdbi.JdbiSettingsStore} performs each
 * operation's SQL steps one by one, the same SQL on every backend, and nothing more; undecorated it
 * reproduces the interleaving bug and serves as the negative control.
 */
package dev.settingsguard.jdbi;
