"""Patient-identifying DICOM attributes (PS3.15 Annex E, Basic Application Level Confidentiality Profile).

MedLens never copies these anywhere: a DICOM's summary is built from an allow-list of technical
attributes, and any text that leaves the DICOM reader (an error from a decoder, say) is scrubbed of
the values these attributes hold in the file.
"""

import math
from collections.abc import Callable

# Keywords of the attributes the basic profile removes, blanks or replaces (the ones a file of a
# patient's image can carry; UIDs included because they link a file back to a study).
_BASIC_PROFILE_WORDS = """
    AccessionNumber AcquisitionComments AcquisitionDate AcquisitionDateTime
    AcquisitionDeviceProcessingDescription AcquisitionTime AdditionalPatientHistory AdmissionID AdmittingDate
    AdmittingDiagnosesCodeSequence AdmittingDiagnosesDescription AdmittingTime Allergies Arbitrary
    AuthorObserverSequence BranchOfService CommentsOnThePerformedProcedureStep
    ConfidentialityConstraintOnPatientDataDescription ContentCreatorName ContentDate ContentTime
    ContributionDescription CountryOfResidence CurrentPatientLocation CurveDate CurveTime
    CustodialOrganizationSequence DataSetTrailingPadding DerivationDescription DetectorID DeviceSerialNumber
    DeviceUID DigitalSignaturesSequence DischargeDiagnosisDescription DistributionAddress DistributionName
    EthnicGroup FrameComments FrameOfReferenceUID GantryID GeneratorID HumanPerformerName
    HumanPerformerOrganization IconImageSequence IdentifyingComments ImageComments ImagePresentationComments
    ImagingServiceRequestComments Impressions InstanceCreationDate InstanceCreationTime InstanceCreatorUID
    InstitutionAddress InstitutionCodeSequence InstitutionName InstitutionalDepartmentName
    InsurancePlanIdentification IntendedRecipientsOfResultsIdentificationSequence InterpretationApproverSequence
    InterpretationAuthor InterpretationDiagnosisDescription InterpretationIDIssuer InterpretationRecorder
    InterpretationText InterpretationTranscriber IrradiationEventUID IssuerOfAdmissionID IssuerOfPatientID
    IssuerOfServiceEpisodeID MedicalAlerts MedicalRecordLocator MilitaryRank ModifiedAttributesSequence
    ModifiedImageDescription ModifyingDeviceID NameOfPhysiciansReadingStudy NamesOfIntendedRecipientsOfResults
    Occupation OperatorIdentificationSequence OperatorsName OriginalAttributesSequence OrderCallbackPhoneNumber
    OrderEnteredBy OrderEntererLocation OtherPatientIDs OtherPatientIDsSequence OtherPatientNames
    OverlayComments OverlayDate OverlayTime ParticipantSequence PatientAddress PatientAge PatientBirthDate
    PatientBirthName PatientBirthTime PatientComments PatientID PatientInsurancePlanCodeSequence
    PatientMotherBirthName PatientName PatientPrimaryLanguageCodeSequence PatientReligiousPreference PatientSex
    PatientSexNeutered PatientSize PatientState PatientTelephoneNumbers PatientTransportArrangements
    PatientWeight PerformedLocation PerformedProcedureStepDescription PerformedProcedureStepID
    PerformedProcedureStepStartDate PerformedProcedureStepStartTime PerformedStationAETitle
    PerformedStationGeographicLocationCodeSequence PerformedStationName PerformedStationNameCodeSequence
    PerformingPhysicianIdentificationSequence PerformingPhysicianName PersonAddress
    PersonIdentificationCodeSequence PersonName PersonTelephoneNumbers PhysicianApprovingInterpretation
    PhysiciansOfRecord PhysiciansOfRecordIdentificationSequence PhysiciansReadingStudyIdentificationSequence
    PlateID PreMedication PregnancyStatus ProtocolName ReasonForImagingServiceRequest ReasonForStudy
    ReferencedDigitalSignatureSequence ReferencedFrameOfReferenceUID ReferencedImageSequence
    ReferencedPatientAliasSequence ReferencedPatientSequence ReferencedPerformedProcedureStepSequence
    ReferencedSOPInstanceMACSequence ReferencedSOPInstanceUID ReferencedStudySequence ReferringPhysicianAddress
    ReferringPhysicianIdentificationSequence ReferringPhysicianName ReferringPhysicianTelephoneNumbers
    RegionOfResidence RelatedFrameOfReferenceUID RequestAttributesSequence RequestedContrastAgent
    RequestedProcedureComments RequestedProcedureDescription RequestedProcedureID RequestedProcedureLocation
    RequestingPhysician RequestingService ResponsibleOrganization ResponsiblePerson ResultsComments
    ResultsDistributionListSequence ResultsIDIssuer ReviewerName ScheduledHumanPerformersSequence
    ScheduledPatientInstitutionResidence ScheduledPerformingPhysicianIdentificationSequence
    ScheduledProcedureStepDescription ScheduledProcedureStepEndDate ScheduledProcedureStepEndTime
    ScheduledProcedureStepLocation ScheduledProcedureStepStartDate ScheduledProcedureStepStartTime
    ScheduledStationAETitle ScheduledStationGeographicLocationCodeSequence ScheduledStationName
    ScheduledStationNameCodeSequence ScheduledStudyLocation ScheduledStudyLocationAETitle SeriesDate
    SeriesDescription SeriesInstanceUID SeriesTime ServiceEpisodeDescription ServiceEpisodeID SmokingStatus
    SOPInstanceUID SourceImageSequence SpecialNeeds StationName StorageMediaFileSetUID StudyComments StudyDate
    StudyDescription StudyID StudyIDIssuer StudyInstanceUID StudyTime SynchronizationFrameOfReferenceUID
    TextComments TextString TimezoneOffsetFromUTC TopicAuthor TopicKeywords TopicSubject TopicTitle UID
    VerifyingObserverIdentificationCodeSequence VerifyingObserverName VerifyingObserverSequence
    VerifyingOrganization VisitComments
"""
BASIC_PROFILE = tuple(_BASIC_PROFILE_WORDS.split())

# The only attributes a summary may show: what the image is, never whose it is. Numbers are shown as they
# are; text only when it is one of the standard's defined terms (a hostile file can put a name anywhere).
_NUMERIC_WORDS = """
    Rows Columns NumberOfFrames SamplesPerPixel BitsStored PixelRepresentation RescaleSlope RescaleIntercept
    WindowCenter WindowWidth PixelSpacing SliceThickness
"""
DEFINED_TERMS = {
    "Modality": """CR CT MR US OT BI CD DD DG ES LS PT RG ST TG XA RF RTIMAGE RTDOSE RTSTRUCT RTPLAN RTRECORD HC DX NM
        MG IO PX GM SM XC PR AU ECG EPS HD SR IVUS OP SMR OCT OPT OPV OPM OAM IOL KER SEG REG""",
    "BodyPartExamined": """SKULL CSPINE TSPINE LSPINE SSPINE COCCYX CHEST CLAVICLE BREAST ABDOMEN PELVIS HIP SHOULDER
        ELBOW KNEE ANKLE HAND FOOT EXTREMITY HEAD HEART NECK LEG ARM JAW BRAIN LUNG LIVER KIDNEY SPINE WHOLEBODY
        EYE RETINA SKIN CHESTABDOMEN ABDOMENPELVIS CHESTABDPELVIS HEADNECK THORAX WRIST FINGER TOE SPLEEN PANCREAS
        PROSTATE UTERUS OVARY BLADDER THYROID COLON STOMACH ESOPHAGUS""",
    "PhotometricInterpretation": """MONOCHROME1 MONOCHROME2 PALETTE_COLOR RGB YBR_FULL YBR_FULL_422 YBR_PARTIAL_422
        YBR_PARTIAL_420 YBR_ICT YBR_RCT""",
}
_DEFINED = {
    keyword: frozenset(words.replace("_", " ").split()) | frozenset(words.split())
    for keyword, words in DEFINED_TERMS.items()
}
TECHNICAL = tuple(DEFINED_TERMS) + tuple(_NUMERIC_WORDS.split())
_TEXT_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
)


MAX_VALUES = 20_000
"""Text values a scrubber keeps for one file; a file with more cannot be scrubbed in bounded time and memory, so
its decoder errors say nothing (a file of 400,000 values once took 12 s and 551 MB to scrub)."""
MAX_VALUE_LENGTH = 256


class TooManyValues(ValueError):
    pass


def identifying_values(dataset, limit: int = MAX_VALUES) -> list[str]:
    """Every text value the file holds outside the technical allow-list — at any depth, in sequences and
    private tags too — and each part of a name: what a scrubber must never let through. Raises ``TooManyValues``
    past ``limit``."""
    values: set[str] = set()
    for element in dataset.iterall():  # a malformed nested item raises: the caller then withholds all details
        try:
            if element.keyword in TECHNICAL or (element.VR not in _TEXT_VRS and not element.tag.is_private):
                continue
            value = element.value
        except Exception:  # a malformed element is skipped: the scrub is a second line of defence
            continue
        texts = value if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue" else [value]
        for item in texts:
            text = item.decode("latin-1", "replace") if isinstance(item, bytes) else str(item)
            text = text.strip(" \x00")
            if 3 <= len(text) <= MAX_VALUE_LENGTH:  # longer values are binary payloads, not names
                values.add(text)
                values.update(part for part in text.replace("^", " ").split() if len(part) >= 3)
                if len(values) > limit:
                    raise TooManyValues(f"more than {limit} text values")
    return sorted(values, key=len, reverse=True)


def scrubber(dataset) -> Callable[[str], str]:
    """A function that removes ``dataset``'s identifying values from a piece of text, ignoring case. Nothing is
    gathered until a message needs scrubbing (most files decode without one), and then each stretch of the
    message is looked up in a set, not matched against one alternation of every value; a file with too many
    values to gather gets every message withheld."""
    gathered: list[set[str] | None] = []  # empty until first needed; [None] when the values cannot be gathered

    def scrub(text: str) -> str:
        if not gathered:
            try:
                gathered.append({value.casefold() for value in identifying_values(dataset)})
            except Exception:  # too many values, or a malformed element: cannot tell patient values apart
                gathered.append(None)
        return "details withheld" if gathered[0] is None else _removed(text, gathered[0])

    return scrub


def _removed(text: str, folded: set[str]) -> str:
    """``text`` with every stretch that is one of the ``folded`` values (ignoring case) replaced, overlapping
    stretches merged."""
    lowered = text.casefold()
    if len(lowered) != len(text):  # case folding changed the length (ß -> ss): compare on the text itself
        lowered = text.lower()
    spans = []
    for start in range(len(text)):
        for end in range(min(len(text), start + MAX_VALUE_LENGTH), start + 2, -1):
            if lowered[start:end] in folded:
                spans.append((start, end))
                break
    if not spans:
        return text
    merged = [list(spans[0])]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [text[last:start], "[removed]"]
        last = end
    return "".join([*out, text[last:]])


def technical_summary(dataset) -> dict:
    """The allow-listed technical attributes of ``dataset``: numbers, or text only when it is a defined term."""
    summary = {}
    for keyword in TECHNICAL:
        try:
            value = dataset.get(keyword)
        except Exception:
            continue
        if value is None or value == "":
            continue
        plain = _defined(keyword, value) if keyword in _DEFINED else _numbers(value)
        if plain is not None:
            summary[keyword] = plain
    return summary


def _defined(keyword: str, value) -> str | None:
    text = str(value).strip().upper()
    return text if text in _DEFINED[keyword] else None


def _numbers(value):
    """An int, a float or a list of them; None for anything else (text in a numeric slot is withheld)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    try:
        items = [float(item) for item in value]
    except (TypeError, ValueError):
        return None
    return items if items and all(math.isfinite(item) for item in items) and len(items) <= 16 else None
