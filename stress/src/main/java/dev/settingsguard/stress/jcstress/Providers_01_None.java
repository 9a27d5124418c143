package dev.settingsguard.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import dev.settingsguard.stress.internal.Contender;
import dev.settingsguard.stress.internal.ProviderRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/*
 * How to run:
 *   java -jar stress/target/jcstress.jar -m quick -t Providers_01_None
 *
 * NONE, the negative control: the bare adapter runs the steps of an operation one by
 * one, so the writers' steps interleave.
 *
 * Outcomes are (activator, replacer, arbiter): the active providers the activator sees right
 * after activating beta, those the replacer sees right after deleting the active alpha and adding
 * it again, and those the arbiter sees at the end; -1 where the write threw. Every serial order of
 * the three writes gives "1, 1, 1".
 *
 * Observed (2 cores, JDK 17, full -m quick run of the five tests: 12 min): 1,978 of 157,016
 * samples interesting: "1, -1, 1" 820 and "-1, 1, 1" 750 (an activation hit the
 * single-active index because the other writer activated in between), "1, 0, 1" 291 and
 * "0, 1, 1" 117 (a writer read between the other's "deactivate all" and its activation). The CI
 * gate's shorter run (-time 150 -iters 3, one JVM mode) sees a few dozen in a few hundred.
 */
@JCStressTest
@Outcome(
    id = "1, 1, 1",
    expect = ACCEPTABLE,
    desc = "Each writer, then the arbiter, sees one active.")
@Outcome(
    expect = ACCEPTABLE_INTERESTING,
    desc = "The original bug: 0 = a reader saw none active mid-write, -1 = a step failed.")
@State
public class Providers_01_None {

  private final ProviderRace race = ProviderRace.start(Contender.NONE);

  @Actor
  public void activator(III_Result r) {
    r.r1 = race.activateBeta();
  }

  @Actor
  public void replacer(III_Result r) {
    r.r2 = race.replaceAlpha();
  }

  @Arbiter
  public void arbiter(III_Result r) {
    r.r3 = race.finish();
  }
}
