package dev.settingsguard.stress.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyValueLineTest {

  @Test
  void requestsSurviveTheLineIncludingPathsWithSpaces() {
    LoadRequest request =
        new LoadRequest(
            Contender.FILE_LOCK,
            Workload.MIX,
            StressDatabase.sqlite(Path.of("/tmp/a dir/cell 1.db")),
            Synchronous.FULL,
            Duration.ofSeconds(5),
            4,
            Duration.ofMillis(300),
            Duration.ofSeconds(1));

    assertThat(LoadRequest.fromLine(request.toLine())).isEqualTo(request);
    assertThat(request.toLine()).doesNotContain("\n");
  }

  @Test
  void requestsSurviveTheLineIncludingUrlsWithQueries() {
    LoadRequest request =
        new LoadRequest(
            Contender.POSTGRES_ADVISORY_LOCK,
            Workload.ACTIVATE,
            StressDatabase.postgres(
                "jdbc:postgresql://127.0.0.1:5432/db?user=a b&password=p=q&currentSchema=s"),
            Synchronous.NORMAL,
            Duration.ofSeconds(5),
            16,
            Duration.ofMillis(300),
            Duration.ofSeconds(1));

    assertThat(LoadRequest.fromLine(request.toLine())).isEqualTo(request);
  }

  @Test
  void resultsSurviveTheLine() {
    LatencyHistogram latencies = new LatencyHistogram();
    latencies.record(1_234_567);
    LoadResult result = new LoadResult(1234.5, 1235, 2, 3, latencies, 17);

    LoadResult decoded = LoadResult.fromLine(result.toLine());

    assertThat(decoded.opsPerSecond()).isEqualTo(1234.5);
    assertThat(
            List.of(
                decoded.operations(), decoded.busy(), decoded.failed(), decoded.compileMillis()))
        .containsExactly(1235L, 2L, 3L, 17L);
    assertThat(decoded.latencies().maxNanos()).isEqualTo(latencies.maxNanos());
  }
}
