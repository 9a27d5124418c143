/**
 * jcstress tests over the real store on SQLite, one per contender: two writers race (one activates
 * a provider, the other deletes the active one and adds it again) and each writer, then the
 * arbiter, counts the active providers. Not exactly one is forbidden for every safe strategy and
 * the expected, interesting outcome of {@code NONE}, the negative control.
 *
 * <p>Run them from the shaded jar, e.g. {@code java -jar stress/target/jcstress.jar -m quick};
 * {@link dev.settingsguard.stress.jcstress.JcstressCheck} is the time-boxed CI gate.
 */
package dev.settingsguard.stress.jcstress;
