package dev.diachain.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;

/**
 * Validates FHIR R4 JSON files against the R4 core definitions (structure, cardinality, data
 * types, invariants, bindings to the code systems HAPI knows offline). Prints every issue as
 * {@code SEVERITY location: message}; exits 1 if any file has an error or fatal issue, 2 on a
 * usage or read error. Profiles that are not available offline (the CGM IG's) are checked only
 * as far as the core resource goes. In a Bundle, every reference that names a resource
 * ({@code urn:uuid:}, {@code urn:oid:} or {@code Type/id}) must resolve to an entry's
 * {@code fullUrl}: a reader of the Bundle alone finds what each reference names.
 */
public final class Validate {
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: Validate FILE.json...");
      System.exit(2);
    }
    FhirContext ctx = FhirContext.forR4();
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        definitions(ctx),
        new SnapshotGeneratingValidationSupport(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx));
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    // Every extension must be defined: DiaChain's chain-anchor by its StructureDefinition.
    module.setAnyExtensionsAllowed(false);
    module.setErrorForUnknownProfiles(false);
    FhirValidator validator = ctx.newValidator().registerValidatorModule(module);
    int failed = 0;
    for (String file : args) {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      ValidationResult result = validator.validateWithResult(text);
      int errors = unresolved(ctx, text);
      for (SingleValidationMessage m : result.getMessages()) {
        boolean error = m.getSeverity() == ResultSeverityEnum.ERROR
            || m.getSeverity() == ResultSeverityEnum.FATAL;
        if (error) {
          errors++;
        }
        System.out.println(m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage());
      }
      System.out.println(file + ": " + errors + " error(s), "
          + result.getMessages().size() + " message(s)");
      if (errors > 0) {
        failed++;
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }

  /**
   * The StructureDefinitions in the folder the {@code diachain.fhir.definitions} property names
   * (docs/fhir: the chain-anchor extension), for the validator to check instances against.
   */
  private static PrePopulatedValidationSupport definitions(FhirContext ctx) throws Exception {
    PrePopulatedValidationSupport support = new PrePopulatedValidationSupport(ctx);
    String dir = System.getProperty("diachain.fhir.definitions");
    if (dir == null) {
      return support;
    }
    try (var files = Files.list(Path.of(dir))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".json"))::iterator) {
        String text = Files.readString(f, StandardCharsets.UTF_8);
        support.addStructureDefinition(
            ctx.newJsonParser().parseResource(StructureDefinition.class, text));
      }
    }
    return support;
  }

  /** Prints and counts the references of a Bundle's resources that no entry's fullUrl matches. */
  private static int unresolved(FhirContext ctx, String text) {
    if (!text.contains("\"Bundle\"")) {
      return 0;
    }
    Bundle bundle;
    try {
      bundle = ctx.newJsonParser().parseResource(Bundle.class, text);
    } catch (RuntimeException e) {
      return 0; // not a Bundle: the validation above reports what it is
    }
    Set<String> urls = new HashSet<>();
    for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
      urls.add(e.getFullUrl());
    }
    int errors = 0;
    for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
      if (e.getResource() == null) {
        continue;
      }
      for (Reference r : ctx.newTerser().getAllPopulatedChildElementsOfType(
          e.getResource(), Reference.class)) {
        String ref = r.getReference();
        boolean names = ref != null
            && (ref.startsWith("urn:uuid:") || ref.startsWith("urn:oid:")
                || ref.matches("[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}"));
        if (names && !urls.contains(ref)) {
          System.out.println("ERROR " + e.getFullUrl() + ": reference " + ref
              + " does not resolve to an entry of the Bundle");
          errors++;
        }
      }
    }
    return errors;
  }
}
