import { Type } from 'typebox';
import { NAME } from '../../platform/http/validation.ts';
import { BodyDto, Dto, MinorUnits, Nullable, OneOf, Timestamp, Uuid } from './schemas.ts';
import type { Contact, Department } from '../../ledgerbee/party-parts.ts';
import type { PartyGroup } from '../../ledgerbee/party-groups.ts';
import type { Customer } from '../../ledgerbee/customer-store.ts';
import type { Vendor } from '../../ledgerbee/vendor-store.ts';

/* Customers, vendors, their contacts, departments and groups: DTOs and views. */

const Text = (maxLength: number, description: string) => Type.String({ maxLength, description });
const OptionalText = (maxLength: number, description: string) => Type.Optional(Nullable(Text(maxLength, description)));
const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Two-letter country code (ISO 3166-1 alpha-2).', examples: ['DK'] });
const Email = Type.String({ format: 'email', maxLength: 254 });
export const VAT_ZONES = ['domestic', 'eu', 'abroad', 'domestic_without_vat'] as const;

export const ContactInputDto = BodyDto('ContactInputDto', {
  name: Type.String({ ...NAME, maxLength: 200 }),
  email: Type.Optional(Nullable(Email)),
  phone: OptionalText(50, 'Phone number'),
  isDefault: Type.Optional(Type.Boolean({ description: 'Exactly one contact is the default; a single contact becomes it by itself.' })),
});
export const DepartmentInputDto = BodyDto('DepartmentInputDto', {
  name: Type.String({ ...NAME, maxLength: 200 }),
  attention: OptionalText(200, 'Attention line'),
  email: Type.Optional(Nullable(Email)),
  address: OptionalText(500, 'Street address'),
  city: OptionalText(100, 'City'),
  postalCode: OptionalText(20, 'Postal code'),
  countryCode: Type.Optional(Nullable(Country)),
});
export const ContactDto = Dto('ContactDto', { id: Uuid, name: Type.String(), email: Nullable(Type.String()), phone: Nullable(Type.String()), isDefault: Type.Boolean() });
export const DepartmentDto = Dto('DepartmentDto', {
  id: Uuid,
  name: Type.String(),
  attention: Nullable(Type.String()),
  email: Nullable(Type.String()),
  address: Nullable(Type.String()),
  city: Nullable(Type.String()),
  postalCode: Nullable(Type.String()),
  countryCode: Nullable(Type.String()),
});
export const GroupDto = (name: 'CustomerGroupDto' | 'VendorGroupDto', account: string) =>
  Dto(name, { id: Uuid, number: Type.Integer(), name: Type.String(), accountId: Nullable({ ...Uuid, description: account }) });

/** The address a customer and a vendor answer with (PartyAddress), in both DTOs' order. */
const partyAddressFields = {
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  address: Nullable(Type.String()),
  city: Nullable(Type.String()),
  postalCode: Nullable(Type.String()),
  countryCode: Nullable(Type.String()),
  vatNumber: Nullable(Type.String()),
};

const customerFields = {
  customerNumber: Type.String({ ...NAME, maxLength: 50, description: 'Unique per company; without one the next number after the highest all-digit one.' }),
  customerType: OneOf(['company', 'individual'] as const, { description: 'Default company.' }),
  name: Type.String({ ...NAME, maxLength: 200 }),
  vatZone: OneOf(VAT_ZONES, { description: 'VAT zone classification (default domestic).' }),
  customerGroupId: { ...Uuid, description: 'Customer group (default: the lowest-numbered).' },
  isActive: Type.Boolean(),
  billingRelationship: OneOf(['self', 'parent_pays'] as const, { description: 'self: billed directly; parent_pays: parentCustomerId is billed instead.' }),
  parentCustomerId: Nullable(Uuid),
  includeChildDetailsPdf: Type.Boolean({ description: 'Attach per-child detail PDFs to consolidated invoices (parent customers).' }),
  email: Nullable(Email),
  phone: Nullable(Text(50, 'Phone number')),
  address: Nullable(Text(500, 'Street address')),
  city: Nullable(Text(100, 'City')),
  postalCode: Nullable(Text(20, 'Postal code')),
  countryCode: Nullable(Country),
  vatNumber: Nullable(Text(50, 'VAT registration number (CVR)')),
  website: Nullable(Text(500, 'Website URL')),
  externalSystemId: Nullable(Text(200, 'Your system’s id; unique per company.')),
  metadata: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 500 }), { maxProperties: 50, description: 'String pairs, filterable with metadata[key]=value.' }),
  contacts: Type.Array(ContactInputDto, { maxItems: 50, description: 'Replaces the contacts; exactly one default.' }),
  departments: Type.Array(DepartmentInputDto, { maxItems: 100, description: 'Replaces the departments.' }),
};
const optional = <T extends Record<string, any>>(fields: T) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> };

export const CreateCustomerDto = BodyDto('CreateCustomerDto', { ...optional(customerFields), name: customerFields.name });
export const UpdateCustomerDto = BodyDto('UpdateCustomerDto', optional(customerFields), 'The fields given change; null clears an optional one.');

export const CustomerDto = Dto('CustomerDto', {
  id: Uuid,
  customerNumber: Type.String(),
  customerType: customerFields.customerType,
  name: Type.String(),
  vatZone: customerFields.vatZone,
  customerGroupId: Uuid,
  customerGroupNumber: Type.Integer(),
  customerGroupName: Type.String(),
  isActive: Type.Boolean(),
  billingRelationship: customerFields.billingRelationship,
  parentCustomerId: Nullable(Uuid),
  includeChildDetailsPdf: Type.Boolean(),
  ...partyAddressFields,
  website: Nullable(Type.String()),
  externalSystemId: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const CreateVendorDto = BodyDto('CreateVendorDto', {
  vendorNumber: Type.String({ ...NAME, maxLength: 50, description: 'Unique vendor number (trimmed).' }),
  name: Type.String({ ...NAME, maxLength: 200 }),
  vendorGroupId: Uuid,
  currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code (default: the company’s).' })),
  countryCode: Type.Optional(Nullable(Country)),
  contacts: Type.Array(ContactInputDto, { maxItems: 50, description: 'Exactly one contact has isDefault: true (a single one becomes the default).' }),
  departments: Type.Optional(Type.Array(DepartmentInputDto, { maxItems: 100 })),
  email: Type.Optional(Nullable(Email)),
  phone: OptionalText(50, 'Phone number'),
  address: OptionalText(500, 'Street address'),
  city: OptionalText(100, 'City'),
  postalCode: OptionalText(20, 'Postal code'),
  vatNumber: OptionalText(50, 'VAT registration number'),
  attention: OptionalText(200, 'Attention field'),
  paymentTerms: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 365, description: 'Payment terms in days' }))),
  defaultAccountId: Type.Optional(Nullable({ ...Uuid, description: 'A ledger account of the company (404 LEDGER_NOT_FOUND otherwise).' })),
  openingBalance: Type.Optional(MinorUnits('Opening balance in øre of the company currency (signed: positive = we owe the vendor).')),
});
export const CreatedVendorDto = Dto('CreatedVendorDto', { id: Uuid, vendorNumber: Type.String() });
export const VendorDto = Dto('VendorDto', {
  id: Uuid,
  vendorNumber: Type.String(),
  name: Type.String(),
  vendorGroupId: Uuid,
  currency: Type.String(),
  status: OneOf(['active', 'inactive'] as const),
  vendorGroupName: Type.String(),
  ...partyAddressFields,
  attention: Nullable(Type.String()),
  paymentTerms: Nullable(Type.Integer()),
  defaultAccountId: Nullable(Uuid),
  openingBalance: MinorUnits('Opening balance in øre of the company currency (signed: positive = we owe the vendor).'),
});

export const customerView = (c: Customer) => ({ ...c, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() });
export const vendorView = (v: Vendor) => {
  const { createdAt: _c, updatedAt: _u, ...rest } = v;
  return { ...rest, openingBalance: Number(v.openingBalance) };
};
export const contactView = (c: Contact) => c;
export const departmentView = (d: Department) => d;
export const groupView = (g: PartyGroup) => g;
