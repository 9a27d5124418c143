package dev.settingsguard.tests.support;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Argument sources for tests that run on every backend. */
public final class Cases {

  private Cases() {}

  /**
   * @return every chain on every backend that has it, as {@code (Backend, Chain)}
   */
  public static Stream<Arguments> chainsOnEveryBackend() {
    return Arrays.stream(Backend.values())
        .flatMap(
            backend ->
                Arrays.stream(Chain.values())
                    .filter(chain -> chain.supports(backend))
                    .map(chain -> Arguments.of(backend, chain)));
  }

  /**
   * @return every chain but {@code NONE} on every backend that has it, as {@code (Backend, Chain)}
   */
  public static Stream<Arguments> safeChainsOnEveryBackend() {
    return chainsOnEveryBackend().filter(arguments -> ((Chain) arguments.get()[1]).safe());
  }
}
