/**
 * Reference data that is the same for every Ledgy user: the system categories and the icon
 * catalogue. Both are versioned; clients may cache them by version.
 */
export const SYSTEM_CATEGORIES_VERSION = '2026.05.10';

export interface SystemCategory {
  id: string;
  name: string;
  type: 'income' | 'expense';
  icon: string;
  color: string;
  order: number;
}

const expense = (id: string, name: string, icon: string, color: string) => ({ id: `cat_${id}`, name, type: 'expense' as const, icon, color });
const income = (id: string, name: string, icon: string, color: string) => ({ id: `cat_${id}`, name, type: 'income' as const, icon, color });

export const SYSTEM_CATEGORIES: SystemCategory[] = [
  expense('food_drinks', 'Food & Drinks', 'utensils', '#F97316'),
  expense('groceries', 'Groceries', 'basket-shopping', '#22C55E'),
  expense('transport', 'Transport', 'bus', '#3B82F6'),
  expense('car', 'Car', 'car', '#0EA5E9'),
  expense('housing', 'Housing', 'house', '#8B5CF6'),
  expense('utilities', 'Utilities', 'bolt', '#EAB308'),
  expense('shopping', 'Shopping', 'bag-shopping', '#EC4899'),
  expense('entertainment', 'Entertainment', 'film', '#F43F5E'),
  expense('health', 'Health', 'heart-pulse', '#EF4444'),
  expense('travel', 'Travel', 'plane', '#06B6D4'),
  expense('education', 'Education', 'graduation-cap', '#6366F1'),
  expense('subscriptions', 'Subscriptions', 'repeat', '#A855F7'),
  expense('gifts', 'Gifts', 'gift', '#D946EF'),
  expense('fees', 'Fees & Charges', 'receipt', '#64748B'),
  expense('other_expense', 'Other', 'ellipsis', '#94A3B8'),
  income('salary', 'Salary', 'briefcase', '#16A34A'),
  income('freelance', 'Freelance', 'laptop', '#0D9488'),
  income('investments', 'Investments', 'chart-line', '#2563EB'),
  income('gifts_received', 'Gifts received', 'hand-holding-heart', '#DB2777'),
  income('other_income', 'Other income', 'coins', '#65A30D'),
].map((c, order) => ({ ...c, order }));

export const SYSTEM_CATEGORY_IDS = new Set(SYSTEM_CATEGORIES.map((c) => c.id));

export const ICON_CATALOGUE = {
  version: '2026.05.10',
  library: 'font-awesome-6',
  categories: [
    { id: 'finance', name: 'Finance', icons: ['wallet', 'credit-card', 'piggy-bank', 'building-columns', 'coins', 'money-bill', 'chart-line', 'receipt', 'sack-dollar'] },
    { id: 'food', name: 'Food & Drink', icons: ['utensils', 'mug-hot', 'burger', 'pizza-slice', 'wine-glass', 'basket-shopping'] },
    { id: 'transport', name: 'Transport', icons: ['car', 'bus', 'train', 'plane', 'bicycle', 'gas-pump', 'taxi'] },
    { id: 'home', name: 'Home', icons: ['house', 'bolt', 'droplet', 'wifi', 'couch', 'screwdriver-wrench'] },
    { id: 'lifestyle', name: 'Lifestyle', icons: ['bag-shopping', 'film', 'music', 'gamepad', 'dumbbell', 'heart-pulse', 'gift', 'repeat'] },
    { id: 'work', name: 'Work & Study', icons: ['briefcase', 'laptop', 'graduation-cap', 'book', 'hand-holding-heart', 'ellipsis'] },
  ],
  colors: [
    { name: 'Blue', hex: '#4A90E2' },
    { name: 'Green', hex: '#22C55E' },
    { name: 'Red', hex: '#EF4444' },
    { name: 'Orange', hex: '#F97316' },
    { name: 'Yellow', hex: '#EAB308' },
    { name: 'Purple', hex: '#8B5CF6' },
    { name: 'Pink', hex: '#EC4899' },
    { name: 'Teal', hex: '#0D9488' },
    { name: 'Slate', hex: '#64748B' },
  ],
};
