package dev.settingsguard.tests.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The child side of the start handshake of writer JVMs, so that every process starts writing at the
 * same moment: {@code READY} on stdout, then {@code GO} awaited on stdin.
 */
public final class StartSignal {

  private StartSignal() {}

  /**
   * Says {@code READY} and waits for {@code GO}; on anything else prints {@code ABORTED before
   * writing} and exits with status 2.
   *
   * @throws IOException if stdin fails
   */
  public static void announceReadyAndAwaitGo() throws IOException {
    System.out.println("READY");
    System.out.flush();
    String go =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (!"GO".equals(go)) {
      System.out.println("ABORTED before writing: " + go);
      System.exit(2);
    }
  }
}
