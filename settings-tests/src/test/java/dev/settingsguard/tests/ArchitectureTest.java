package dev.settingsguard.tests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.internal.TinkAead;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.locking.SettingsModule;
import dev.settingsguard.locking.SettingsStores;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hexagon's dependency rules, checked on the library's production classes (core, adapter,
 * locking; never the test kit, the tests or the stress harness).
 *
 * <ul>
 *   <li>The core ({@code dev.settingsguard.core}) is the port and the domain: it knows nothing of
 *       Jdbi, JDBC drivers, HikariCP, Guice or Tink, nor of the adapter or the decorators, so that
 *       another adapter could implement {@link SettingsStore}.
 *   <li>The adapter ({@code dev.settingsguard.jdbi}) knows SQL, with one package per backend: the
 *       SQLite backend knows nothing of PostgreSQL or its pool, and the PostgreSQL backend nothing
 *       of SQLite. The adapter knows nothing of the decorators or Guice.
 *   <li>The decorators ({@code dev.settingsguard.locking}) know locking; the wiring is in one Guice
 *       module, {@link SettingsModule}, the only library class that touches Guice.
 *   <li>Tink is an optional dependency, loaded after a class-path check: only {@link TinkAead}
 *       touches it, so that nothing else fails to load without it.
 * </ul>
 *
 * <p>Every rule fails on an empty selection, and the import is checked to hold the library, so that
 * no rule passes vacuously.
 */
@Timeout(60)
class ArchitectureTest {

  private static final String CORE = "dev.settingsguard.core..";
  private static final String ADAPTER = "dev.settingsguard.jdbi..";
  private static final String SQLITE = "dev.settingsguard.jdbi.sqlite..";
  private static final String POSTGRES = "dev.settingsguard.jdbi.postgres..";
  private static final String LOCKING = "dev.settingsguard.locking..";
  private static final String[] LIBRARY_PACKAGES = {CORE, ADAPTER, LOCKING};

  private static final String JDBI = "org.jdbi..";
  private static final String SQLITE_DRIVER = "org.sqlite..";
  private static final String POSTGRES_DRIVER = "org.postgresql..";
  private static final String HIKARI = "com.zaxxer..";
  private static final String TINK = "com.google.crypto.tink..";

  /** Guice, and the standard annotations Guice 7 reads ({@code @Inject}, {@code @Singleton}). */
  private static final String[] GUICE = {
    "com.google.inject..", "jakarta.inject..", "javax.inject.."
  };

  private static final ArchRule CORE_KNOWS_NO_INFRASTRUCTURE =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              concat(
                  new String[] {
                    JDBI, SQLITE_DRIVER, POSTGRES_DRIVER, HIKARI, TINK, ADAPTER, LOCKING
                  },
                  GUICE))
          .because("the core is the port: it knows no adapter, driver, pool, wiring or crypto")
          .allowEmptyShould(false);

  private static final ArchRule ADAPTER_KNOWS_NO_DECORATORS =
      noClasses()
          .that()
          .resideInAPackage(ADAPTER)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(concat(new String[] {LOCKING}, GUICE))
          .because("the adapter knows SQL; locking and wiring are the decorators' business")
          .allowEmptyShould(false);

  private static final ArchRule SQLITE_KNOWS_NO_POSTGRES =
      noClasses()
          .that()
          .resideInAPackage(SQLITE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(POSTGRES, POSTGRES_DRIVER, HIKARI)
          .because("each backend has its own package, and SQLite users do not need PostgreSQL's")
          .allowEmptyShould(false);

  private static final ArchRule POSTGRES_KNOWS_NO_SQLITE =
      noClasses()
          .that()
          .resideInAPackage(POSTGRES)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SQLITE, SQLITE_DRIVER)
          .because("each backend has its own package")
          .allowEmptyShould(false);

  private static final ArchRule LIBRARY_KNOWS_NO_TESTS =
      noClasses()
          .that()
          .resideInAnyPackage(LIBRARY_PACKAGES)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.settingsguard.stress..",
              "dev.settingsguard.tests..",
              "dev.settingsguard.testkit..")
          .because("the harness, the tests and the test kit use the library, never the reverse")
          .allowEmptyShould(false);

  private static final ArchRule ONLY_TINK_AEAD_TOUCHES_TINK =
      noClasses()
          .that()
          .resideInAnyPackage(LIBRARY_PACKAGES)
          .and()
          .doNotHaveFullyQualifiedName(TinkAead.class.getName())
          .should()
          .dependOnClassesThat()
          .resideInAPackage(TINK)
          .because("Tink is optional: only TinkAead, loaded after a class-path check, may use it")
          .allowEmptyShould(false);

  private static final ArchRule TINK_AEAD_IS_WHAT_TOUCHES_TINK =
      classes()
          .that()
          .haveFullyQualifiedName(TinkAead.class.getName())
          .should()
          .dependOnClassesThat()
          .resideInAPackage(TINK)
          .because("the exemption above must name the class that really uses Tink")
          .allowEmptyShould(false);

  private static final ArchRule ONLY_SETTINGS_MODULE_TOUCHES_GUICE =
      noClasses()
          .that()
          .resideInAnyPackage(LIBRARY_PACKAGES)
          .and()
          .doNotHaveFullyQualifiedName(SettingsModule.class.getName())
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(GUICE)
          .because("the wiring is in one Guice module; everything else works without Guice")
          .allowEmptyShould(false);

  private static final ArchRule SETTINGS_MODULE_IS_WHAT_TOUCHES_GUICE =
      classes()
          .that()
          .haveFullyQualifiedName(SettingsModule.class.getName())
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(GUICE)
          .because("the exemption above must name the class that really uses Guice")
          .allowEmptyShould(false);

  /**
   * The library's production classes, from the jars on the class path. The test kit ({@code
   * dev.settingsguard.testkit}) and the tests are in other packages and are not imported.
   */
  private static final JavaClasses LIBRARY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(
              "dev.settingsguard.core", "dev.settingsguard.jdbi", "dev.settingsguard.locking");

  @Test
  void importHoldsTheLibraryAndNothingElse() {
    assertThat(LIBRARY).hasSizeGreaterThan(20);
    for (Class<?> expected :
        new Class<?>[] {
          SettingsStore.class,
          JdbiSettingsStore.class,
          SqliteDatabase.class,
          PostgresDatabase.class,
          TinkAead.class,
          SettingsStores.class,
          SettingsModule.class
        }) {
      assertThat(LIBRARY.contain(expected)).as("imported %s", expected.getName()).isTrue();
    }
    assertThat(LIBRARY.stream().map(JavaClass::getPackageName))
        .allMatch(
            name ->
                Stream.of(
                        "dev.settingsguard.core",
                        "dev.settingsguard.jdbi",
                        "dev.settingsguard.locking")
                    .anyMatch(library -> name.equals(library) || name.startsWith(library + ".")));
  }

  @Test
  void coreKnowsNoAdapterDriverPoolGuiceOrTink() {
    CORE_KNOWS_NO_INFRASTRUCTURE.check(LIBRARY);
  }

  @Test
  void adapterKnowsNoLockingOrGuice() {
    ADAPTER_KNOWS_NO_DECORATORS.check(LIBRARY);
  }

  @Test
  void sqliteBackendKnowsNoPostgres() {
    SQLITE_KNOWS_NO_POSTGRES.check(LIBRARY);
  }

  @Test
  void postgresBackendKnowsNoSqlite() {
    POSTGRES_KNOWS_NO_SQLITE.check(LIBRARY);
  }

  @Test
  void libraryKnowsNoHarnessTestsOrTestKit() {
    LIBRARY_KNOWS_NO_TESTS.check(LIBRARY);
  }

  @Test
  void onlyTinkAeadUsesTink() {
    ONLY_TINK_AEAD_TOUCHES_TINK.check(LIBRARY);
    TINK_AEAD_IS_WHAT_TOUCHES_TINK.check(LIBRARY);
  }

  @Test
  void onlySettingsModuleUsesGuice() {
    ONLY_SETTINGS_MODULE_TOUCHES_GUICE.check(LIBRARY);
    SETTINGS_MODULE_IS_WHAT_TOUCHES_GUICE.check(LIBRARY);
  }

  private static String[] concat(String[] first, String[] second) {
    return Stream.concat(Stream.of(first), Stream.of(second)).toArray(String[]::new);
  }
}
