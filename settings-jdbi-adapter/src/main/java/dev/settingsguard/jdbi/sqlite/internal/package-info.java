/** SQLite's connection pooling, busy handling, schema migration and error translation; not API. */
package dev.settingsguard.jdbi.sqlite.internal;
