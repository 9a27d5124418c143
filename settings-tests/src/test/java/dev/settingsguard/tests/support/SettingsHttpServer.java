package dev.settingsguard.tests.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.InvalidInputException;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A small HTTP API over a {@link SettingsStore}, on the JDK's {@link HttpServer} at 127.0.0.1 and a
 * free port. Each route makes one store call, so concurrent requests are concurrent store
 * operations:
 *
 * <pre>
 * GET    /settings/{key}              200 {"key":…,"value":…} | 404
 * PUT    /settings/{key}   body=value 204
 * POST   /providers        form name=&amp;apiKey=&amp;model=   201 provider
 * GET    /providers/active            200 provider | 404
 * POST   /providers/{id}/activate     200 provider
 * DELETE /providers/{id}              204 | 404
 * </pre>
 *
 * Errors: {@link InvalidInputException} (and a malformed id) 400, {@link ProviderNotFoundException}
 * 404, {@link SettingsBusyException} 503, anything else 500. Providers are shown without their API
 * key.
 */
public final class SettingsHttpServer implements AutoCloseable {

  private static final int HANDLER_THREADS = 16;

  private final SettingsStore store;
  private final HttpServer server;
  private final ExecutorService executor;

  private SettingsHttpServer(SettingsStore store, HttpServer server, ExecutorService executor) {
    this.store = store;
    this.server = server;
    this.executor = executor;
  }

  /**
   * @param store the store the routes delegate to; not closed by the server
   * @return the running server
   * @throws IOException if the port cannot be bound
   */
  public static SettingsHttpServer start(SettingsStore store) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    ExecutorService executor = Executors.newFixedThreadPool(HANDLER_THREADS);
    SettingsHttpServer fixture = new SettingsHttpServer(store, server, executor);
    server.createContext("/", fixture::handle);
    server.setExecutor(executor);
    server.start();
    return fixture;
  }

  /**
   * @param path a path such as {@code /providers/active}
   * @return its URI on this server
   */
  public URI uri(String path) {
    InetSocketAddress address = server.getAddress();
    return URI.create("http://127.0.0.1:" + address.getPort() + path);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      Response response;
      try {
        response = route(exchange);
      } catch (InvalidInputException | NumberFormatException badRequest) {
        response = new Response(400, error(badRequest));
      } catch (ProviderNotFoundException notFound) {
        response = new Response(404, error(notFound));
      } catch (SettingsBusyException busy) {
        response = new Response(503, error(busy));
      } catch (RuntimeException failure) {
        response = new Response(500, error(failure));
      }
      send(exchange, response);
    } finally {
      exchange.close();
    }
  }

  private Response route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    List<String> path =
        Arrays.stream(exchange.getRequestURI().getRawPath().split("/"))
            .filter(segment -> !segment.isEmpty())
            .map(segment -> URLDecoder.decode(segment, StandardCharsets.UTF_8))
            .toList();
    if (path.size() == 2 && path.get(0).equals("settings")) {
      String key = path.get(1);
      switch (method) {
        case "GET":
          return store
              .getSetting(key)
              .map(s -> new Response(200, json(s)))
              .orElse(Response.NOT_FOUND);
        case "PUT":
          store.setSetting(key, body(exchange));
          return Response.NO_CONTENT;
        default:
          return Response.METHOD_NOT_ALLOWED;
      }
    }
    if (path.size() == 1 && path.get(0).equals("providers") && method.equals("POST")) {
      Map<String, String> form = form(body(exchange));
      String apiKey = form.get("apiKey");
      AiProvider added =
          store.addAiProvider(
              form.get("name"), apiKey == null ? null : ApiKey.of(apiKey), form.get("model"));
      return new Response(201, json(added));
    }
    if (path.size() == 2 && path.equals(List.of("providers", "active")) && method.equals("GET")) {
      return provider(store.getActiveProvider());
    }
    if (path.size() == 3
        && path.get(0).equals("providers")
        && path.get(2).equals("activate")
        && method.equals("POST")) {
      return new Response(200, json(store.setActiveProvider(Long.parseLong(path.get(1)))));
    }
    if (path.size() == 2 && path.get(0).equals("providers") && method.equals("DELETE")) {
      return store.deleteAiProvider(Long.parseLong(path.get(1)))
          ? Response.NO_CONTENT
          : Response.NOT_FOUND;
    }
    return Response.NOT_FOUND;
  }

  private static Response provider(Optional<AiProvider> provider) {
    return provider.map(p -> new Response(200, json(p))).orElse(Response.NOT_FOUND);
  }

  private static String body(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static void send(HttpExchange exchange, Response response) throws IOException {
    if (response.body == null) {
      exchange.sendResponseHeaders(response.status, -1);
      return;
    }
    byte[] bytes = response.body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(response.status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String json(Setting setting) {
    return "{\"key\":" + quote(setting.key()) + ",\"value\":" + quote(setting.value()) + "}";
  }

  private static String json(AiProvider provider) {
    return "{\"id\":"
        + provider.id()
        + ",\"name\":"
        + quote(provider.providerName())
        + ",\"model\":"
        + quote(provider.model())
        + ",\"active\":"
        + provider.active()
        + "}";
  }

  /** Names the root cause too (e.g. SQLite's extended result code), so a failed test says why. */
  private static String error(Exception failure) {
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return "{\"error\":"
        + quote(failure.getClass().getSimpleName())
        + ",\"message\":"
        + quote(String.valueOf(failure.getMessage()))
        + ",\"cause\":"
        + quote(root == failure ? null : root.toString())
        + "}";
  }

  private static String quote(String text) {
    if (text == null) {
      return "null";
    }
    return text.chars()
        .mapToObj(
            c ->
                switch (c) {
                  case '"' -> "\\\"";
                  case '\\' -> "\\\\";
                  default -> c < 0x20 ? String.format("\\u%04x", c) : String.valueOf((char) c);
                })
        .collect(Collectors.joining("", "\"", "\""));
  }

  /** Stops accepting requests at once and stops the handler threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private record Response(int status, String body) {
    static final Response NO_CONTENT = new Response(204, null);
    static final Response NOT_FOUND = new Response(404, "{\"error\":\"not found\"}");
    static final Response METHOD_NOT_ALLOWED = new Response(405, "{\"error\":\"method\"}");
  }
}
