/** Implementation details of the port shared by the adapter modules; not API. */
package dev.settingsguard.core.internal;
