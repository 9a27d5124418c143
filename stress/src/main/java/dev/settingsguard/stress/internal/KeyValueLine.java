package dev.settingsguard.stress.internal;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The one-line messages between the harness and its child processes: {@code key=value} pairs
 * separated by spaces, values URL-encoded so a path with spaces stays one token.
 */
final class KeyValueLine {

  private KeyValueLine() {}

  static String format(Map<String, String> fields) {
    StringJoiner line = new StringJoiner(" ");
    fields.forEach(
        (key, value) -> line.add(key + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return line.toString();
  }

  static Map<String, String> parse(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String token : line.trim().split(" +")) {
      int equals = token.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException("Not a key=value message: " + line);
      }
      fields.put(
          token.substring(0, equals),
          URLDecoder.decode(token.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  static String required(Map<String, String> fields, String key) {
    String value = fields.get(key);
    if (value == null) {
      throw new IllegalArgumentException("Message lacks '" + key + "': " + fields);
    }
    return value;
  }
}
