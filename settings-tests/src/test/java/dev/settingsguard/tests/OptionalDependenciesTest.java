package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.jdbi.SecretKeys;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.PlainApiProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user who leaves out an optional dependency gets, in a JVM whose class path lacks it: the
 * plain API works without Guice (and Guava, which only Guice brings) and without Tink; asking for
 * secret keys without Tink fails at once, naming the artifact to add.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OptionalDependenciesTest {

  @TempDir Path dir;

  @Test
  void withoutGuiceThePlainApiWorks() throws Exception {
    try (ChildProcess child =
        ChildProcess.startWithout(
            List.of("guice-", "guava-", "failureaccess-", "jakarta.inject-", "aopalliance-"),
            PlainApiProcess.class,
            dir.resolve("s.db").toString())) {
      assertThat(child.awaitLine("ABSENT", Duration.ofSeconds(60)))
          .contains("com.google.inject.Guice");
      assertThat(child.awaitLine("PLAIN", Duration.ofSeconds(60))).isEqualTo("PLAIN ok");
    }
  }

  @Test
  void withoutTinkThePlainApiWorksAndSecretKeysFailNamingTheArtifact() throws Exception {
    try (ChildProcess child =
        ChildProcess.startWithout(
            List.of("tink-"), PlainApiProcess.class, dir.resolve("s.db").toString())) {
      assertThat(child.awaitLine("ABSENT", Duration.ofSeconds(60)))
          .contains("com.google.crypto.tink.Aead");
      assertThat(child.awaitLine("PLAIN", Duration.ofSeconds(60))).isEqualTo("PLAIN ok");
      assertThat(child.awaitLine("KEYS", Duration.ofSeconds(60)))
          .contains("IllegalStateException")
          .contains(SecretKeys.TINK_ARTIFACT);
    }
  }
}
