// The shapes that cross the IPC boundary. They are GENERATED from the Rust types by ts-rs into
// `./bindings/` whenever `cargo test` runs, and CI fails if the committed files differ, so the
// UI cannot drift from the core. Components import from here, never from `./bindings` directly.

export type { About } from './bindings/About';
export type { Account } from './bindings/Account';
export type { AdAccountChoice } from './bindings/AdAccountChoice';
export type { AppStatus } from './bindings/AppStatus';
export type { PageTimings } from './bindings/PageTimings';
export type { Commands } from './bindings/Commands';
export type { AvailableUpdate } from './bindings/AvailableUpdate';
export type { JoinedWorkspace } from './bindings/JoinedWorkspace';
export type { ChangeConflict } from './bindings/ChangeConflict';
export type { ConflictChoice } from './bindings/ConflictChoice';
export type { ConnectionTestResult } from './bindings/ConnectionTestResult';
export type { ConnectOutcome } from './bindings/ConnectOutcome';
export type { Connectivity } from './bindings/Connectivity';
export type { DownloadProgress } from './bindings/DownloadProgress';
export type { ErrorCode } from './bindings/ErrorCode';
export type { ErrorPayload } from './bindings/ErrorPayload';
export type { Integration } from './bindings/Integration';
export type { IntegrationConfig } from './bindings/IntegrationConfig';
export type { IntegrationPatch } from './bindings/IntegrationPatch';
export type { IntegrationStatus } from './bindings/IntegrationStatus';
export type { Language } from './bindings/Language';
export type { LinkMode } from './bindings/LinkMode';
export type { OfflineChange } from './bindings/OfflineChange';
export type { Preferences } from './bindings/Preferences';
export type { Provider } from './bindings/Provider';
export type { RealtimeOrders } from './bindings/RealtimeOrders';
export type { DeliveryRecord } from './bindings/DeliveryRecord';
export type { QueuedChange } from './bindings/QueuedChange';
export type { ShopChoice } from './bindings/ShopChoice';
export type { SyncOutcome } from './bindings/SyncOutcome';
export type { SyncProgress } from './bindings/SyncProgress';
export type { SyncRun } from './bindings/SyncRun';
export type { SyncSchedule } from './bindings/SyncSchedule';
export type { SyncTrigger } from './bindings/SyncTrigger';
export type { Theme } from './bindings/Theme';

import type { AppStatus } from './bindings/AppStatus';

/** Where the core keeps its data: the embedded database or a shared PostgreSQL. */
export type DatabaseMode = AppStatus['mode'];

export type { AdSetEntry } from './bindings/AdSetEntry';
export type { AssignedShare } from './bindings/AssignedShare';
export type { Assignment } from './bindings/Assignment';
export type { AssignmentChoice } from './bindings/AssignmentChoice';
export type { AssignmentState } from './bindings/AssignmentState';
export type { Campaign } from './bindings/Campaign';
export type { CampaignAssignment } from './bindings/CampaignAssignment';
export type { StoreSales } from './bindings/StoreSales';
export type { StoreShare } from './bindings/StoreShare';

export type { Report } from './bindings/Report';
export type { ReportGrouping } from './bindings/ReportGrouping';
export type { ReportMetrics } from './bindings/ReportMetrics';
export type { ReportQuery } from './bindings/ReportQuery';
export type { ReportRow } from './bindings/ReportRow';
export type { ReportRowKind } from './bindings/ReportRowKind';
export type { ReportSource } from './bindings/ReportSource';
export type { ReportWarning } from './bindings/ReportWarning';

export type { Alert } from './bindings/Alert';
export type { AlertDetails } from './bindings/AlertDetails';
export type { AlertList } from './bindings/AlertList';
export type { AlertRule } from './bindings/AlertRule';
export type { AlertSettings } from './bindings/AlertSettings';
export type { ReportLink } from './bindings/ReportLink';
