package dev.settingsguard.core;

/**
 * An argument broke an input rule. Nothing was written. The message names the field and the rule,
 * never the value of a secret.
 */
public final class InvalidInputException extends SettingsException {

  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;

  /**
   * @param field the argument that broke the rule, e.g. {@code "key"}
   * @param rule the rule it broke, e.g. {@code "must not be blank"}
   */
  public InvalidInputException(String field, String rule) {
    super(field + " " + rule);
    this.field = field;
    this.rule = rule;
  }

  /**
   * @return the argument that broke the rule
   */
  public String field() {
    return field;
  }

  /**
   * @return the rule it broke
   */
  public String rule() {
    return rule;
  }
}
