"""Patient-identifying DICOM attributes (PS3.15 Annex E, Basic Application Level Confidentiality Profile).

MedLens never copies these anywhere: a DICOM's summary is built from an allow-list of technical
attributes, and any text that leaves the DICOM reader (an error from a decoder, say) is scrubbed of
the values these attributes hold in the file.
"""

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

# The only attributes a summary may show: what the image is, never whose it is.
_TECHNICAL_WORDS = """
    Modality BodyPartExamined Rows Columns NumberOfFrames SamplesPerPixel PhotometricInterpretation BitsStored
    PixelRepresentation RescaleSlope RescaleIntercept WindowCenter WindowWidth PixelSpacing SliceThickness
"""
TECHNICAL = tuple(_TECHNICAL_WORDS.split())


def identifying_values(dataset) -> list[str]:
    """The text of every basic-profile attribute at the top level of ``dataset``, and of each name part."""
    from pydicom.sequence import Sequence

    values: set[str] = set()
    for keyword in BASIC_PROFILE:
        try:
            value = dataset.get(keyword)
        except Exception:  # a malformed element is skipped: the scrub is a second line of defence
            continue
        if value is None or isinstance(value, Sequence):  # sequences hold datasets, not text
            continue
        text = str(value).strip()
        if len(text) >= 3:
            values.add(text)
            values.update(part for part in text.replace("^", " ").split() if len(part) >= 3)
    return sorted(values, key=len, reverse=True)


def scrubber(dataset) -> Callable[[str], str]:
    """A function that removes ``dataset``'s identifying values from a piece of text."""
    values = identifying_values(dataset)

    def scrub(text: str) -> str:
        for value in values:
            text = text.replace(value, "[removed]")
        return text

    return scrub


def technical_summary(dataset) -> dict:
    """The allow-listed technical attributes of ``dataset`` as plain values."""
    summary = {}
    for keyword in TECHNICAL:
        value = dataset.get(keyword)
        if value is None or value == "":
            continue
        summary[keyword] = _plain(value)
    return summary


def _plain(value):
    if isinstance(value, int | float | str):
        return value
    try:
        return [float(item) for item in value] if not isinstance(value, bytes) else None
    except (TypeError, ValueError):
        return str(value)
