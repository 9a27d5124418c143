/** The write guards the strategies are made of, and the decorator that applies one; not API. */
package dev.settingsguard.locking.internal;
