import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Attributes } from '@nextbuy/contracts';

@Entity({ name: 'customers' })
export class CustomerEntity {
  /** The retailer's own id: every API and file speaks it. */
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text', nullable: true })
  segment!: string | null;

  @Column({ name: 'signup_date', type: 'timestamptz', nullable: true })
  signupDate!: Date | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  attributes!: Attributes;

  /** Created from an event before the customer file or API described it. */
  @Column({ type: 'boolean', default: false })
  stub!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
