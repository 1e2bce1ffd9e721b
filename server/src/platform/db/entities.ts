import { Tenant, TenantSecurity } from '../tenancy/tenant.entity.js';
import { StaffSession, VendorAccount, VendorSession } from '../auth/session.entities.js';
import {
  Organisation,
  StaffAccount,
  StaffMembership,
  StaffTeam,
  Team,
} from '../../modules/staff/staff.entities.js';
import { Form } from '../../modules/forms/form.entity.js';

/** Every TypeORM entity; tables without one are reached with SQL through the same manager. */
export const allEntities = [
  Tenant,
  TenantSecurity,
  StaffSession,
  VendorAccount,
  VendorSession,
  StaffAccount,
  Organisation,
  Team,
  StaffMembership,
  StaffTeam,
  Form,
];
