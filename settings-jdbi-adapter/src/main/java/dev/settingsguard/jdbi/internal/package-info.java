/** The adapter's machinery shared by every backend: the change feed. Not API. */
package dev.settingsguard.jdbi.internal;
